// Compiles the devnet contracts and deploys a deposit contract, a keeper and one vault to a running
// node whose first account is unlocked (anvil). Prints the addresses as one JSON line.
// stdin JSON: { "rpcUrl": "http://127.0.0.1:8545", "oracles": ["0x..", ...], "validatorsMinOracles": 8,
//   "validatorsManager": "0x..", "withdrawalCredentialsType": 1 | 2, "fundingEther": "100" (optional) }
import { readFileSync } from 'node:fs';
import { ethers } from 'ethers';
import { compileContracts, connect, deployDevnet, vaultCredentials } from './devnet-contracts.mjs';

function fail(message) {
  console.error(`devnet-deploy: ${message}`);
  process.exit(2);
}

let request;
try {
  request = JSON.parse(readFileSync(0, 'utf8'));
} catch (e) {
  fail(`stdin is not JSON: ${e.message}`);
}
const { rpcUrl, oracles, validatorsMinOracles, validatorsManager, withdrawalCredentialsType, fundingEther = '0' } = request;
if (typeof rpcUrl !== 'string') fail('rpcUrl is required');
if (!Array.isArray(oracles) || oracles.length === 0 || !oracles.every(ethers.isAddress)) fail('oracles must be a non-empty list of addresses');
if (!Number.isInteger(validatorsMinOracles) || validatorsMinOracles < 1 || validatorsMinOracles > oracles.length) {
  fail('validatorsMinOracles must be between 1 and the number of oracles');
}
if (!ethers.isAddress(validatorsManager)) fail('validatorsManager must be an address');
if (withdrawalCredentialsType !== 1 && withdrawalCredentialsType !== 2) fail('withdrawalCredentialsType must be 1 or 2');

const provider = connect(rpcUrl);
const deployer = await provider.getSigner(0);
const artifacts = compileContracts();
const { depositContract, keeper, vault } = await deployDevnet(deployer, artifacts, {
  oracles, validatorsMinOracles, validatorsManager, credentialsType: withdrawalCredentialsType,
});
const funding = ethers.parseEther(String(fundingEther));
if (funding > 0n) await (await deployer.sendTransaction({ to: vault.target, value: funding })).wait();

console.log(JSON.stringify({
  chainId: Number((await provider.getNetwork()).chainId),
  depositContract: depositContract.target,
  keeper: keeper.target,
  vault: vault.target,
  withdrawalCredentials: vaultCredentials(withdrawalCredentialsType, vault.target),
}));
provider.destroy();
