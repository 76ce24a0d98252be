// Independent keystore implementation for the Keystores tests: EIP-2335 with node:crypto,
// Ethereum v3 with ethers. Reads one JSON request on stdin, writes one JSON answer on stdout.
import crypto from 'node:crypto';
import { decryptKeystoreJsonSync, encryptKeystoreJsonSync, computeAddress } from 'ethers';

const readStdin = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
};

// EIP-2335: NFKD, then drop C0, DEL and C1 control code points.
const normalise = (password) =>
  Buffer.from([...password.normalize('NFKD')].filter((c) => {
    const cp = c.codePointAt(0);
    return !(cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f));
  }).join(''), 'utf8');

const derive = (kdf, password) => {
  const p = kdf.params;
  const salt = Buffer.from(p.salt, 'hex');
  if (kdf.function === 'pbkdf2') return crypto.pbkdf2Sync(password, salt, p.c, p.dklen, 'sha256');
  if (kdf.function === 'scrypt') return crypto.scryptSync(password, salt, p.dklen, { N: p.n, r: p.r, p: p.p, maxmem: 512 * 1024 * 1024 });
  throw new Error(`kdf ${kdf.function}`);
};

const eip2335Decrypt = ({ keystore, password }) => {
  const ks = JSON.parse(keystore);
  const dk = derive(ks.crypto.kdf, normalise(password));
  const ciphertext = Buffer.from(ks.crypto.cipher.message, 'hex');
  const checksum = crypto.createHash('sha256').update(Buffer.concat([dk.subarray(16, 32), ciphertext])).digest('hex');
  if (checksum !== ks.crypto.checksum.message) throw new Error('checksum mismatch');
  const decipher = crypto.createDecipheriv('aes-128-ctr', dk.subarray(0, 16), Buffer.from(ks.crypto.cipher.params.iv, 'hex'));
  return { secret: Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('hex') };
};

const eip2335Encrypt = ({ secret, password, kdf, cost }) => {
  const salt = crypto.randomBytes(32);
  const iv = crypto.randomBytes(16);
  const kdfSection = kdf === 'scrypt'
    ? { function: 'scrypt', params: { dklen: 32, n: cost, r: 8, p: 1, salt: salt.toString('hex') }, message: '' }
    : { function: 'pbkdf2', params: { dklen: 32, c: cost, prf: 'hmac-sha256', salt: salt.toString('hex') }, message: '' };
  const dk = derive(kdfSection, normalise(password));
  const cipher = crypto.createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(secret, 'hex')), cipher.final()]);
  const checksum = crypto.createHash('sha256').update(Buffer.concat([dk.subarray(16, 32), ciphertext])).digest('hex');
  return {
    keystore: JSON.stringify({
      crypto: {
        kdf: kdfSection,
        checksum: { function: 'sha256', params: {}, message: checksum },
        cipher: { function: 'aes-128-ctr', params: { iv: iv.toString('hex') }, message: ciphertext.toString('hex') },
      },
      description: '', pubkey: '', path: 'm/12381/3600/0/0/0', uuid: crypto.randomUUID(), version: 4,
    }),
  };
};

const v3Decrypt = ({ keystore, password }) => {
  const account = decryptKeystoreJsonSync(keystore, password);
  return { privateKey: account.privateKey, address: account.address };
};

const v3Encrypt = ({ privateKey, password, n }) => {
  const account = { privateKey, address: computeAddress(privateKey) };
  return { keystore: encryptKeystoreJsonSync(account, password, { scrypt: { N: n } }), address: account.address };
};

const ops = { 'eip2335-decrypt': eip2335Decrypt, 'eip2335-encrypt': eip2335Encrypt, 'v3-decrypt': v3Decrypt, 'v3-encrypt': v3Encrypt };
const request = await readStdin();
const op = ops[request.op];
if (!op) throw new Error(`unknown op ${request.op}`);
process.stdout.write(JSON.stringify(op(request)));
