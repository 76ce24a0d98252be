// Independent check of the sidecar's exits for the Sidecar tests: builds the EIP-7044 (Capella) exit
// signing root from the network's fork version and genesis validators root with node:crypto SSZ, and
// verifies each exit signature with blst. Reads one JSON request on stdin, writes one JSON answer on stdout.
//   { "capella_fork_version": "0x..", "genesis_validators_root": "0x..", "capella_epoch": n,
//     "exits": [{ "public_key": "0x..", "validator_index": n, "signature": "0x.." }] }
//   -> { "signing_roots": ["0x.."], "valid": [true|false] }
import crypto from 'node:crypto';
import { PublicKey, Signature, verify } from '@chainsafe/blst';

const readStdin = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

const hex = (text) => Buffer.from(text.replace(/^0x/, ''), 'hex');
const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

// An SSZ chunk holding a little-endian uint64, or bytes padded with zeros to 32.
const chunk = (bytes) => Buffer.concat([bytes, Buffer.alloc(32 - bytes.length)]);
const uint64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return chunk(b);
};

const DOMAIN_VOLUNTARY_EXIT = Buffer.from([4, 0, 0, 0]);

const request = await readStdin();
const forkDataRoot = sha256(chunk(hex(request.capella_fork_version)), hex(request.genesis_validators_root));
const domain = Buffer.concat([DOMAIN_VOLUNTARY_EXIT, forkDataRoot.subarray(0, 28)]);

const signingRoots = [];
const valid = [];
for (const exit of request.exits) {
  const exitRoot = sha256(uint64(request.capella_epoch), uint64(exit.validator_index));
  const signingRoot = sha256(exitRoot, domain);
  signingRoots.push('0x' + signingRoot.toString('hex'));
  let ok = false;
  try {
    ok = verify(signingRoot, PublicKey.fromHex(exit.public_key, true), Signature.fromHex(exit.signature, true));
  } catch {
    ok = false;
  }
  valid.push(ok);
}
process.stdout.write(JSON.stringify({ signing_roots: signingRoots, valid }));
