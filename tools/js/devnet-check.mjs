// Checks the devnet contracts on a private anvil: real deposits from the public vectors through the
// deposit contract, and validator registrations through keeper + vault with oracle and manager
// signatures, including the paths that must revert. Prints one "ok - ..." / "not ok - ..." line per
// check, then a JSON summary line; exits non-zero if any check failed.
// stdin (optional JSON): { "vectors": "<path of the shared vectors folder>" }.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethers } from 'ethers';
import {
  bytes, compileContracts, concatSortedByOracle, connect, deployContract, deployDevnet, depositDataRoot,
  depositTreeRoot, le64, packValidators, repoRoot, signKeeperValidators, signVaultValidators, startAnvil,
  vaultCredentials,
} from './devnet-contracts.mjs';

const input = process.stdin.isTTY ? '' : readFileSync(0, 'utf8').trim();
const options = input.length > 0 ? JSON.parse(input) : {};
const vectors = options.vectors ?? process.env.DVT_VECTORS ?? join(repoRoot, '..', 'shared', 'vectors');
const depositFile = (name) => JSON.parse(readFileSync(join(vectors, 'consensus', 'deposit_data', name), 'utf8'));

const results = [];
async function check(id, name, body) {
  try {
    await body();
    results.push({ id, ok: true });
    console.log(`ok - ${id}: ${name}`);
  } catch (e) {
    const reverted = revertName(e);
    const error = reverted ? `reverted with ${reverted}` : e.message;
    results.push({ id, ok: false, error });
    // stderr too: a caller that only sees stderr on failure still learns which check broke.
    console.log(`not ok - ${id}: ${name}: ${error}`);
    console.error(`not ok - ${id}: ${name}: ${error}`);
  }
}

function expectEqual(actual, expected, what) {
  const norm = (v) => (typeof v === 'string' ? v.toLowerCase() : String(v));
  if (norm(actual) !== norm(expected)) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

let errorInterface;
function revertName(e) {
  const data = e?.data ?? e?.info?.error?.data ?? e?.error?.data;
  if (typeof data !== 'string' || data.length < 10) return undefined;
  return errorInterface.parseError(data)?.name;
}

async function expectRevert(action, errorName) {
  try {
    await action();
  } catch (e) {
    const name = revertName(e);
    if (name === errorName) return;
    throw new Error(`expected ${errorName}, got ${name ?? e.shortMessage ?? e.message}`);
  }
  throw new Error(`expected ${errorName}, but the transaction succeeded`);
}

function eventsOf(receipt, contract, eventName) {
  const address = contract.target.toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => contract.interface.parseLog(log))
    .filter((parsed) => parsed?.name === eventName);
}

const GWEI = 10n ** 9n;
const ONE_OF_EACH_CREDENTIAL = [
  'lighthouse_mainnet_first_0_count_2_eth1_false_deposit_data-1715584092.json',
  'lighthouse_mainnet_first_0_count_2_eth1_true_deposit_data-1715584107.json',
  'lighthouse_hoodi_first_0_count_2_prefix_0x02_eth1_true_deposit_data-1785211449.json',
  'ethstakingsmith_multiple_validators_hoodi_deposit_data-1755071454.json',
];

const anvil = await startAnvil();
try {
  const provider = connect(anvil.url);
  const chainId = (await provider.getNetwork()).chainId;
  const deployer = await provider.getSigner(0);
  const relayer = await provider.getSigner(1);
  const artifacts = compileContracts();
  errorInterface = new ethers.Interface(
    Object.values(artifacts).flatMap((a) => a.abi.filter((f) => f.type === 'error')),
  );

  await check('selectors', 'registerValidators selector is 0x83d430d5 and get_deposit_root is 0xc5f2892f', async () => {
    const vaultAbi = new ethers.Interface(artifacts.Vault.abi);
    const depositAbi = new ethers.Interface(artifacts.DepositContract.abi);
    expectEqual(vaultAbi.getFunction('registerValidators').selector, '0x83d430d5', 'registerValidators');
    expectEqual(depositAbi.getFunction('get_deposit_root').selector, '0xc5f2892f', 'get_deposit_root');
  });

  // ---- Deposit contract on its own, with real deposits ----
  const depositContract = await deployContract(deployer, artifacts.DepositContract);
  const deposits = ONE_OF_EACH_CREDENTIAL.flatMap(depositFile);

  await check('empty-root', 'empty deposit tree has the mainnet genesis root and count 0', async () => {
    const root = await depositContract.get_deposit_root();
    expectEqual(root, depositTreeRoot([]), 'root vs JS tree');
    expectEqual(root, '0xd70a234731285c6804c2a4f56711ddb8c82c99740f207854891028af34e27e5e', 'root vs mainnet');
    expectEqual(await depositContract.get_deposit_count(), '0x' + le64(0).toString('hex'), 'count');
  });

  await check('vector-roots', `JS SSZ deposit_data_root matches all ${deposits.length} vector files' roots`, async () => {
    for (const d of deposits) {
      expectEqual(
        depositDataRoot(d.pubkey, d.withdrawal_credentials, d.amount, d.signature),
        '0x' + d.deposit_data_root, `root of ${d.pubkey.slice(0, 12)}`);
    }
  });

  const leaves = [];
  await check('vector-deposits', `deposits ${deposits.length} vector deposits (0x00/0x01/0x02), events and Merkle root after each`, async () => {
    for (const d of deposits) {
      const receipt = await (await depositContract.deposit(
        '0x' + d.pubkey, '0x' + d.withdrawal_credentials, '0x' + d.signature, '0x' + d.deposit_data_root,
        { value: BigInt(d.amount) * GWEI },
      )).wait();
      const [event] = eventsOf(receipt, depositContract, 'DepositEvent');
      if (!event) throw new Error('no DepositEvent');
      expectEqual(event.args.pubkey, '0x' + d.pubkey, 'event pubkey');
      expectEqual(event.args.withdrawal_credentials, '0x' + d.withdrawal_credentials, 'event credentials');
      expectEqual(event.args.amount, '0x' + le64(d.amount).toString('hex'), 'event amount');
      expectEqual(event.args.signature, '0x' + d.signature, 'event signature');
      expectEqual(event.args.index, '0x' + le64(leaves.length).toString('hex'), 'event index');
      leaves.push('0x' + d.deposit_data_root);
      expectEqual(await depositContract.get_deposit_root(), depositTreeRoot(leaves), `root after ${leaves.length}`);
    }
    expectEqual(await depositContract.get_deposit_count(), '0x' + le64(leaves.length).toString('hex'), 'count');
  });

  const sample = deposits[1];
  const depositArgs = (overrides = {}) => {
    const a = { pubkey: '0x' + sample.pubkey, wc: '0x' + sample.withdrawal_credentials, signature: '0x' + sample.signature,
      root: '0x' + sample.deposit_data_root, value: BigInt(sample.amount) * GWEI, ...overrides };
    return () => depositContract.deposit(a.pubkey, a.wc, a.signature, a.root, { value: a.value });
  };
  await check('deposit-root-mismatch', 'deposit rejects a deposit_data_root that does not match its data', async () => {
    const root = bytes(sample.deposit_data_root, 32);
    root[31] ^= 1;
    await expectRevert(depositArgs({ root: '0x' + root.toString('hex') }), 'DepositRootMismatch');
    // Same data, another amount: the root binds the amount too.
    await expectRevert(depositArgs({ value: 33n * 10n ** 18n }), 'DepositRootMismatch');
  });
  await check('deposit-bad-input', 'deposit rejects less than 1 ether, non-gwei amounts and bad field lengths', async () => {
    await expectRevert(depositArgs({ value: 10n ** 18n - GWEI }), 'DepositValueTooLow');
    await expectRevert(depositArgs({ value: 32n * 10n ** 18n + 1n }), 'DepositValueNotMultipleOfGwei');
    await expectRevert(depositArgs({ pubkey: '0x' + sample.pubkey.slice(2) }), 'InvalidPublicKeyLength');
    await expectRevert(depositArgs({ wc: '0x' + sample.withdrawal_credentials + '00' }), 'InvalidWithdrawalCredentialsLength');
    await expectRevert(depositArgs({ signature: '0x' + sample.signature.slice(0, 190) }), 'InvalidSignatureLength');
    expectEqual(await depositContract.get_deposit_root(), depositTreeRoot(leaves), 'root unchanged');
  });

  // ---- Keeper and vaults ----
  const oracles = Array.from({ length: 11 }, (_, i) => new ethers.Wallet(ethers.id(`devnet-oracle-${i}`)));
  const outsider = new ethers.Wallet(ethers.id('devnet-not-an-oracle'));
  const manager = new ethers.Wallet(ethers.id('devnet-validators-manager'), provider);
  const minOracles = 8;
  await (await deployer.sendTransaction({ to: manager.address, value: 10n ** 19n })).wait();

  async function newVault(credentialsType, fundingEther) {
    const net = await deployDevnet(deployer, artifacts, {
      oracles: oracles.map((o) => o.address), validatorsMinOracles: minOracles,
      validatorsManager: manager.address, credentialsType,
    });
    if (fundingEther > 0n) {
      await (await deployer.sendTransaction({ to: net.vault.target, value: fundingEther * 10n ** 18n })).wait();
    }
    return net;
  }

  async function deadlineIn(seconds) {
    return BigInt((await provider.getBlock('latest')).timestamp + seconds);
  }

  // Everything the operator would assemble; `signers` are the oracle wallets whose signatures are sent.
  async function approval(net, validators, { signers = oracles.slice(0, minOracles), sort = true, deadline, root, ipfs = 'bafy-devnet-exit-signatures' } = {}) {
    const params = {
      validatorsRegistryRoot: root ?? await net.depositContract.get_deposit_root(),
      deadline: deadline ?? await deadlineIn(3600),
      validators,
      exitSignaturesIpfsHash: ipfs,
    };
    const signed = await Promise.all(signers.map(async (w) => ({
      address: w.address,
      signature: await signKeeperValidators(w, { chainId, keeper: net.keeper.target, vault: net.vault.target, ...params }),
    })));
    params.signatures = sort ? concatSortedByOracle(signed) : ethers.concat(signed.map((s) => s.signature));
    return params;
  }

  const managerSignature = (net, params, wallet = manager) => signVaultValidators(wallet, {
    chainId, vault: net.vault.target, validatorsRegistryRoot: params.validatorsRegistryRoot, validators: params.validators,
  });

  const register = (net, params, signature, from = relayer) =>
    () => net.vault.connect(from).registerValidators(params, signature);

  const mainnetFile = depositFile('lighthouse_mainnet_first_0_count_2_eth1_true_deposit_data-1715584107.json');
  const mainnetPair = mainnetFile.map((d) => ({ pubkey: d.pubkey, signature: d.signature, amountGwei: 32_000_000_000n }));

  const v1 = await newVault(0x01, 100n);
  const v1Validators = packValidators(0x01, v1.vault.target, mainnetPair);

  await check('vault-credentials', 'vault reports type 0x01 credentials: 0x01, 11 zero bytes, its own address', async () => {
    expectEqual(await v1.vault.withdrawalCredentials(), vaultCredentials(0x01, v1.vault.target), 'credentials');
  });

  await check('keeper-admin', 'keeper admin: only the owner changes oracles; min oracles must be within 1..total', async () => {
    await expectRevert(() => v1.keeper.connect(relayer).addOracle(outsider.address), 'AccessDenied');
    await expectRevert(() => v1.keeper.setValidatorsMinOracles(0), 'InvalidValidatorsMinOracles');
    await expectRevert(() => v1.keeper.setValidatorsMinOracles(12), 'InvalidValidatorsMinOracles');
    await expectRevert(() => v1.keeper.addOracle(oracles[0].address), 'AlreadyAdded');
    expectEqual(await v1.keeper.totalOracles(), 11, 'total oracles');
    expectEqual(await v1.keeper.validatorsMinOracles(), minOracles, 'min oracles');
  });

  await check('keeper-oracle-set', 'keeper oracle set: add/remove rules, the threshold never exceeds the oracles, at most 30', async () => {
    const keeper = await deployContract(deployer, artifacts.Keeper);
    const empty = { validatorsRegistryRoot: ethers.ZeroHash, deadline: await deadlineIn(3600), validators: '0x', signatures: '0x', exitSignaturesIpfsHash: '' };
    await expectRevert(() => keeper.approveValidators(empty), 'InvalidValidatorsMinOracles');
    await expectRevert(() => keeper.addOracle(ethers.ZeroAddress), 'InvalidOracle');
    const [a, b] = oracles;
    await (await keeper.addOracle(a.address)).wait();
    await (await keeper.addOracle(b.address)).wait();
    await (await keeper.setValidatorsMinOracles(2)).wait();
    await expectRevert(() => keeper.removeOracle(a.address), 'InvalidValidatorsMinOracles');
    await (await keeper.setValidatorsMinOracles(1)).wait();
    const receipt = await (await keeper.removeOracle(a.address)).wait();
    expectEqual(eventsOf(receipt, keeper, 'OracleRemoved')[0]?.args.oracle, a.address, 'OracleRemoved');
    expectEqual(await keeper.isOracle(a.address), false, 'removed oracle');
    expectEqual(await keeper.totalOracles(), 1, 'total after removal');
    await expectRevert(() => keeper.removeOracle(a.address), 'InvalidOracle');
    for (let i = 1; i < 30; i++) await (await keeper.addOracle(ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(i), 20)))).wait();
    expectEqual(await keeper.totalOracles(), 30, 'total at the cap');
    await expectRevert(() => keeper.addOracle(outsider.address), 'MaxOraclesExceeded');
  });

  await check('expired-deadline', 'registerValidators rejects an expired deadline (vault, and keeper on its own)', async () => {
    const params = await approval(v1, v1Validators, { deadline: await deadlineIn(-1) });
    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'DeadlineExpired');
    await expectRevert(() => v1.keeper.connect(relayer).approveValidators(params), 'DeadlineExpired');
  });

  await check('wrong-registry-root', 'registerValidators rejects a registry root that is not the deposit root', async () => {
    const params = await approval(v1, v1Validators, { root: depositTreeRoot(['0x' + '11'.repeat(32)]) });
    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'InvalidValidatorsRegistryRoot');
  });

  await check('unsorted-oracles', 'registerValidators rejects oracle signatures not sorted by address', async () => {
    const bySigner = [...oracles.slice(0, minOracles)].sort((a, b) => (BigInt(a.address) > BigInt(b.address) ? -1 : 1));
    const params = await approval(v1, v1Validators, { signers: bySigner, sort: false });
    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'OracleSignaturesNotSorted');
  });

  await check('duplicate-oracle', 'registerValidators rejects the same oracle signing twice', async () => {
    const params = await approval(v1, v1Validators, { signers: [...oracles.slice(0, minOracles - 1), oracles[0]] });
    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'OracleSignaturesNotSorted');
  });

  await check('signature-count', 'registerValidators rejects too few, too many, and a ragged signatures blob', async () => {
    const few = await approval(v1, v1Validators, { signers: oracles.slice(0, minOracles - 1) });
    await expectRevert(register(v1, few, await managerSignature(v1, few)), 'NotEnoughSignatures');
    const many = await approval(v1, v1Validators, { signers: oracles.slice(0, minOracles + 1) });
    await expectRevert(register(v1, many, await managerSignature(v1, many)), 'TooManySignatures');
    const ragged = { ...few, signatures: ethers.concat([few.signatures, '0x00']) };
    await expectRevert(register(v1, ragged, await managerSignature(v1, ragged)), 'InvalidSignaturesLength');
  });

  await check('non-oracle', 'registerValidators rejects a signature from a key that is not an oracle', async () => {
    const params = await approval(v1, v1Validators, { signers: [...oracles.slice(0, minOracles - 1), outsider] });
    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'InvalidOracle');
  });

  await check('tampered-validators', 'registerValidators rejects oracle signatures made for other validators bytes', async () => {
    const params = await approval(v1, v1Validators);
    const swapped = packValidators(0x01, v1.vault.target, [...mainnetPair].reverse());
    const tampered = { ...params, validators: swapped };
    await expectRevert(register(v1, tampered, await managerSignature(v1, tampered)), 'InvalidOracle');
  });

  await check('malleable-signature', 'registerValidators rejects a malleable (high-s) oracle signature', async () => {
    const params = await approval(v1, v1Validators);
    const sigs = bytes(params.signatures);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt('0x' + sigs.subarray(32, 64).toString('hex'));
    Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex').copy(sigs, 32);
    sigs[64] = sigs[64] === 27 ? 28 : 27;
    const highS = { ...params, signatures: '0x' + sigs.toString('hex') };
    await expectRevert(register(v1, highS, await managerSignature(v1, highS)), 'InvalidOracle');
  });

  await check('wrong-manager', 'registerValidators rejects a wrong validators-manager signature', async () => {
    const params = await approval(v1, v1Validators);
    await expectRevert(register(v1, params, await managerSignature(v1, params, outsider)), 'InvalidValidatorsManagerSignature');
    const otherRoot = { ...params, validatorsRegistryRoot: depositTreeRoot(['0x' + '22'.repeat(32)]) };
    await expectRevert(register(v1, params, await managerSignature(v1, otherRoot)), 'InvalidValidatorsManagerSignature');
    await expectRevert(register(v1, params, '0x'), 'AccessDenied');
  });

  await check('manager-signature-checked', 'a signature the validators manager brings is checked too, in the current EIP-712 type only', async () => {
    const params = await approval(v1, v1Validators);
    await expectRevert(register(v1, params, await managerSignature(v1, params, outsider), manager), 'InvalidValidatorsManagerSignature');
    // The type vaults used before their 2025 release: field validatorsRegistryRoot instead of nonce.
    const before2025 = await manager.signTypedData(
      { name: 'VaultValidators', version: '1', chainId, verifyingContract: v1.vault.target },
      { VaultValidators: [{ name: 'validatorsRegistryRoot', type: 'bytes32' }, { name: 'validators', type: 'bytes' }] },
      { validatorsRegistryRoot: params.validatorsRegistryRoot, validators: params.validators });
    await expectRevert(register(v1, params, before2025, manager), 'InvalidValidatorsManagerSignature');
  });

  await check('malformed-validators', 'registerValidators rejects validators bytes that are not whole 176-byte items', async () => {
    const short = await approval(v1, ethers.dataSlice(v1Validators, 0, 175));
    await expectRevert(register(v1, short, await managerSignature(v1, short)), 'InvalidValidators');
    const empty = await approval(v1, '0x');
    await expectRevert(register(v1, empty, await managerSignature(v1, empty)), 'InvalidValidators');
  });

  await check('not-harvested', 'registerValidators reverts NotHarvested while the keeper says the vault must be harvested', async () => {
    const params = await approval(v1, v1Validators);
    await (await v1.keeper.setHarvestRequired(v1.vault.target, true)).wait();
    try {
      await expectRevert(register(v1, params, await managerSignature(v1, params)), 'NotHarvested');
    } finally {
      await (await v1.keeper.setHarvestRequired(v1.vault.target, false)).wait();
    }
  });

  await check('ambiguous-validators', 'registerValidators rejects 4048 bytes, which 176 and 184 both divide (23 0x01 or 22 0x02 entries)', async () => {
    const item = ethers.dataSlice(v1Validators, 0, 176);
    const twentyThree = await approval(v1, ethers.concat(Array(23).fill(item)));
    await expectRevert(register(v1, twentyThree, await managerSignature(v1, twentyThree)), 'InvalidValidators');
  });

  await check('foreign-deposit-root', 'registerValidators reverts when a deposit_data_root was made for other credentials', async () => {
    // The file's own root: right key and signature, but credentials that are not this vault's.
    const foreign = ethers.concat([ethers.dataSlice(v1Validators, 0, 144), '0x' + mainnetFile[0].deposit_data_root]);
    const params = await approval(v1, foreign);
    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'DepositRootMismatch');
  });

  await check('insufficient-assets', 'registerValidators reverts when the vault holds less than the deposits need', async () => {
    const four = packValidators(0x01, v1.vault.target, [...mainnetPair, ...mainnetPair]);
    const params = await approval(v1, four);
    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'InsufficientAssets');
  });

  await check('register-v1', 'registerValidators deposits 32 ETH per validator and emits ValidatorRegistered (relayer sends, manager signed)', async () => {
    const params = await approval(v1, v1Validators);
    const vaultBefore = await provider.getBalance(v1.vault.target);
    const receipt = await (await register(v1, params, await managerSignature(v1, params))()).wait();
    const registered = eventsOf(receipt, v1.vault, 'ValidatorRegistered').map((e) => e.args.publicKey);
    expectEqual(registered.join(','), mainnetPair.map((d) => '0x' + d.pubkey).join(','), 'ValidatorRegistered keys');
    const depositEvents = eventsOf(receipt, v1.depositContract, 'DepositEvent');
    expectEqual(depositEvents.length, 2, 'DepositEvent count');
    const wc = vaultCredentials(0x01, v1.vault.target);
    depositEvents.forEach((e, i) => {
      expectEqual(e.args.withdrawal_credentials, wc, 'deposit credentials');
      expectEqual(e.args.amount, '0x' + le64(32_000_000_000n).toString('hex'), 'deposit amount');
      expectEqual(e.args.index, '0x' + le64(i).toString('hex'), 'deposit index');
    });
    const [approvalEvent] = eventsOf(receipt, v1.keeper, 'ValidatorsApproval');
    expectEqual(approvalEvent?.args.vault, v1.vault.target, 'ValidatorsApproval vault');
    expectEqual(approvalEvent?.args.exitSignaturesIpfsHash, params.exitSignaturesIpfsHash, 'ValidatorsApproval ipfs hash');
    const roots = mainnetPair.map((d) => depositDataRoot(d.pubkey, wc, d.amountGwei, d.signature));
    expectEqual(await v1.depositContract.get_deposit_root(), depositTreeRoot(roots), 'deposit root');
    expectEqual(vaultBefore - (await provider.getBalance(v1.vault.target)), 64n * 10n ** 18n, 'vault balance spent');
    expectEqual(await provider.getBalance(v1.depositContract.target), 64n * 10n ** 18n, 'deposit contract balance');

    await expectRevert(register(v1, params, await managerSignature(v1, params)), 'InvalidValidatorsRegistryRoot');
  });

  await check('manager-sender', 'the validators manager registers without a signature of its own', async () => {
    const one = packValidators(0x01, v1.vault.target, mainnetPair.slice(0, 1));
    const params = await approval(v1, one, { signers: oracles.slice(3) });
    const receipt = await (await register(v1, params, '0x', manager)()).wait();
    expectEqual(eventsOf(receipt, v1.vault, 'ValidatorRegistered').length, 1, 'ValidatorRegistered count');
  });

  // ---- 0x02 (compounding) vault: 184-byte items with their own amount ----
  const v2 = await newVault(0x02, 200n);
  const hoodiPair = depositFile('lighthouse_hoodi_first_0_count_2_prefix_0x02_eth1_true_deposit_data-1785211449.json');
  const v2Deposits = [
    { pubkey: hoodiPair[0].pubkey, signature: hoodiPair[0].signature, amountGwei: 64_000_000_000n },
    { pubkey: hoodiPair[1].pubkey, signature: hoodiPair[1].signature, amountGwei: 32_000_000_000n },
  ];

  await check('v2-rejects', '0x02 vault rejects 176-byte items and amounts outside 32..2048 ETH', async () => {
    const v1Style = packValidators(0x01, v2.vault.target, v2Deposits.slice(0, 1));
    const a = await approval(v2, v1Style);
    await expectRevert(register(v2, a, await managerSignature(v2, a)), 'InvalidValidators');
    const low = packValidators(0x02, v2.vault.target, [{ ...v2Deposits[0], amountGwei: 31_000_000_000n }]);
    const b = await approval(v2, low);
    await expectRevert(register(v2, b, await managerSignature(v2, b)), 'InvalidDepositAmount');
  });

  await check('register-v2', '0x02 vault deposits each validator\'s own amount with 0x02 credentials', async () => {
    const validators = packValidators(0x02, v2.vault.target, v2Deposits);
    const params = await approval(v2, validators);
    const receipt = await (await register(v2, params, await managerSignature(v2, params))()).wait();
    const depositEvents = eventsOf(receipt, v2.depositContract, 'DepositEvent');
    const wc = vaultCredentials(0x02, v2.vault.target);
    expectEqual(depositEvents.length, 2, 'DepositEvent count');
    depositEvents.forEach((e, i) => {
      expectEqual(e.args.withdrawal_credentials, wc, 'credentials');
      expectEqual(e.args.amount, '0x' + le64(v2Deposits[i].amountGwei).toString('hex'), 'amount');
    });
    expectEqual(eventsOf(receipt, v2.vault, 'ValidatorRegistered').length, 2, 'ValidatorRegistered count');
    expectEqual(await provider.getBalance(v2.depositContract.target), 96n * 10n ** 18n, 'deposit contract balance');
  });
} catch (e) {
  results.push({ id: 'set-up', ok: false, error: e.message });
  console.log(`not ok - set-up: ${e.message}`);
  console.error(`not ok - set-up: ${e.stack ?? e.message}`);
} finally {
  anvil.stop();
}

const failed = results.filter((r) => !r.ok);
console.log(JSON.stringify({ passed: results.filter((r) => r.ok).map((r) => r.id), failed }));
process.exitCode = failed.length === 0 ? 0 : 1;
