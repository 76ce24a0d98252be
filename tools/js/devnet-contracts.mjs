// Compiles the devnet contracts (devnet/contracts/*.sol) with the pinned solc, starts anvil, deploys,
// and holds the off-chain halves of the protocol (SSZ deposit roots, EIP-712 approvals) that the
// contracts check. Used by devnet-check.mjs and devnet-deploy.mjs.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';
import { ethers } from 'ethers';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const contractsDir = join(repoRoot, 'devnet', 'contracts');
const anvilBinary = findAnvil();

// The npm entry point (.bin/anvil) is a node shim around the platform binary; starting the binary itself
// lets stop() reach it directly and lets this process reap it.
function findAnvil() {
  const scope = join(here, 'node_modules', '@foundry-rs');
  for (const dir of readdirSync(scope).filter((d) => d.startsWith('anvil-')).sort()) {
    const binary = join(scope, dir, 'bin', 'anvil');
    if (existsSync(binary)) return binary;
  }
  return join(here, 'node_modules', '.bin', 'anvil');
}

// The oldest fork that every devnet we run is past; nothing here needs newer opcodes.
const EVM_VERSION = 'cancun';

export function compileContracts() {
  const sources = {};
  for (const file of readdirSync(contractsDir).filter((f) => f.endsWith('.sol')).sort()) {
    sources[file] = { content: readFileSync(join(contractsDir, file), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  // Warnings count as failures, as they do for the C# build.
  const problems = (output.errors ?? []).filter((e) => e.severity !== 'info');
  if (problems.length > 0) {
    throw new Error('solc: ' + problems.map((e) => e.formattedMessage).join('\n'));
  }
  // Eip712 is a library of internal functions, inlined into the others: nothing to deploy.
  const artifacts = {};
  for (const name of ['DepositContract', 'Keeper', 'Vault']) {
    const c = output.contracts[`${name}.sol`]?.[name];
    if (!c) throw new Error(`solc produced no ${name}`);
    artifacts[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
  }
  return artifacts;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a private anvil on a free local port; call stop() when done. */
export async function startAnvil() {
  const port = await freePort();
  const child = spawn(anvilBinary, ['--port', String(port), '--host', '127.0.0.1', '--silent'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM'); };
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`anvil exited ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (res.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  throw new Error(`anvil did not answer on ${url}: ${stderr}`);
}

export function connect(url) {
  // anvil mines on send; ethers' default 4 s receipt polling would dominate the run time.
  return new ethers.JsonRpcProvider(url, undefined, { pollingInterval: 50, cacheTimeout: -1 });
}

export async function deployContract(signer, artifact, ...args) {
  const factory = new ethers.ContractFactory(artifact.abi, artifact.bytecode, signer);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract;
}

/**
 * Deploys a deposit contract, a keeper with the given oracles and threshold, and one vault.
 * `deployer` becomes the keeper's owner.
 */
export async function deployDevnet(deployer, artifacts, { oracles, validatorsMinOracles, validatorsManager, credentialsType }) {
  const depositContract = await deployContract(deployer, artifacts.DepositContract);
  const keeper = await deployContract(deployer, artifacts.Keeper);
  for (const oracle of oracles) await (await keeper.addOracle(oracle)).wait();
  await (await keeper.setValidatorsMinOracles(validatorsMinOracles)).wait();
  const vault = await deployContract(
    deployer, artifacts.Vault,
    await keeper.getAddress(), await depositContract.getAddress(), validatorsManager, credentialsType,
  );
  return { depositContract, keeper, vault };
}

// ---- SSZ: what the deposit contract recomputes, written independently of it ----

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const zeros = (n) => Buffer.alloc(n);

export function le64(value) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

/** hash_tree_root(DepositData) from hex strings (0x optional) and an amount in gwei. */
export function depositDataRoot(pubkey, withdrawalCredentials, amountGwei, signature) {
  const pk = bytes(pubkey, 48);
  const wc = bytes(withdrawalCredentials, 32);
  const sig = bytes(signature, 96);
  const pubkeyRoot = sha256(pk, zeros(16));
  const signatureRoot = sha256(sha256(sig.subarray(0, 64)), sha256(sig.subarray(64), zeros(32)));
  const amountLeaf = Buffer.concat([le64(amountGwei), zeros(24)]);
  return '0x' + sha256(sha256(pubkeyRoot, wc), sha256(amountLeaf, signatureRoot)).toString('hex');
}

/** The deposit contract's root for a list of leaves, computed as a full depth-32 tree, not incrementally. */
export function depositTreeRoot(leaves) {
  let layer = leaves.map((l) => bytes(l, 32));
  let zero = zeros(32);
  for (let height = 0; height < 32; height++) {
    const next = [];
    for (let i = 0; i < layer.length; i += 2) {
      next.push(sha256(layer[i], i + 1 < layer.length ? layer[i + 1] : zero));
    }
    layer = next;
    zero = sha256(zero, zero);
  }
  const root = layer.length > 0 ? layer[0] : zero;
  return '0x' + sha256(root, le64(leaves.length), zeros(24)).toString('hex');
}

export function bytes(hex, length) {
  const b = Buffer.from(hex.replace(/^0x/, ''), 'hex');
  if (length !== undefined && b.length !== length) throw new Error(`expected ${length} bytes, got ${b.length}`);
  return b;
}

/** Withdrawal credentials of a vault: type byte, 11 zero bytes, the vault address. */
export function vaultCredentials(type, vaultAddress) {
  return '0x' + Buffer.concat([Buffer.from([type]), zeros(11), bytes(vaultAddress, 20)]).toString('hex');
}

/**
 * The `validators` bytes of a registration: per deposit pubkey || signature || root (0x01), plus the
 * amount as 8 big-endian gwei bytes (0x02). Roots are recomputed for the vault's credentials.
 */
export function packValidators(type, vaultAddress, deposits) {
  const wc = vaultCredentials(type, vaultAddress);
  const parts = deposits.map(({ pubkey, signature, amountGwei }) => {
    const root = depositDataRoot(pubkey, wc, amountGwei, signature);
    const items = [bytes(pubkey, 48), bytes(signature, 96), bytes(root, 32)];
    if (type === 0x02) {
      const amount = Buffer.alloc(8);
      amount.writeBigUInt64BE(BigInt(amountGwei));
      items.push(amount);
    }
    return Buffer.concat(items);
  });
  return '0x' + Buffer.concat(parts).toString('hex');
}

// ---- EIP-712: what the oracles and the validators manager sign ----

const keeperValidatorsTypes = {
  KeeperValidators: [
    { name: 'validatorsRegistryRoot', type: 'bytes32' },
    { name: 'vault', type: 'address' },
    { name: 'validators', type: 'bytes' },
    { name: 'exitSignaturesIpfsHash', type: 'string' },
    { name: 'deadline', type: 'uint256' },
  ],
};

// As StakeWise vaults type it since their 2025 release; for registerValidators the nonce is the registry root.
const vaultValidatorsTypes = {
  VaultValidators: [
    { name: 'nonce', type: 'bytes32' },
    { name: 'validators', type: 'bytes' },
  ],
};

export function signKeeperValidators(wallet, { chainId, keeper, vault, validatorsRegistryRoot, validators, exitSignaturesIpfsHash, deadline }) {
  const domain = { name: 'KeeperOracles', version: '1', chainId, verifyingContract: keeper };
  return wallet.signTypedData(domain, keeperValidatorsTypes, { validatorsRegistryRoot, vault, validators, exitSignaturesIpfsHash, deadline });
}

export function signVaultValidators(wallet, { chainId, vault, validatorsRegistryRoot, validators }) {
  const domain = { name: 'VaultValidators', version: '1', chainId, verifyingContract: vault };
  return wallet.signTypedData(domain, vaultValidatorsTypes, { nonce: validatorsRegistryRoot, validators });
}

/** Concatenates oracle signatures ordered by signer address, as the keeper requires. */
export function concatSortedByOracle(signed) {
  const sorted = [...signed].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  return ethers.concat(sorted.map((s) => s.signature));
}
