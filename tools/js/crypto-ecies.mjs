// eciesjs (default config: secp256k1, uncompressed ephemeral key, HKDF-SHA256, AES-256-GCM with a
// 16-byte nonce) as an independent peer for the C# ECIES tests.
// stdin:  {"publicKeyOf": [skHex], "encrypt": [{"publicKey": hex, "plaintext": hex}], "decrypt": [{"privateKey": hex, "payload": hex}]}
// stdout: {"publicKeys": [hex, uncompressed], "encrypted": [hex], "decrypted": [hex]}
import { encrypt, decrypt, PrivateKey } from "eciesjs";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const bytes = (hex) => Buffer.from(hex.replace(/^0x/, ""), "hex");
const hex = (data) => Buffer.from(data).toString("hex");

const output = {
  publicKeys: (input.publicKeyOf ?? []).map((sk) => new PrivateKey(bytes(sk)).publicKey.toHex(false)),
  encrypted: (input.encrypt ?? []).map((e) => hex(encrypt(bytes(e.publicKey), bytes(e.plaintext)))),
  decrypted: (input.decrypt ?? []).map((d) => hex(decrypt(bytes(d.privateKey), bytes(d.payload)))),
};
process.stdout.write(JSON.stringify(output));
