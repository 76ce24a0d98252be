// Makes distributed validators for the relayer's load tests with native blst, so that the test's own
// signing does not compete with the relayer for the CPU. Shamir split of a random key over 1..nodes.
// stdin {"nodes":4,"threshold":3,"validators":[{"message":"0x..32"}, ...]}
// stdout [{"public_key","public_shares":[48-byte hex at x=1..nodes],"signatures":[96-byte hex at x=1..nodes]}]
import { randomBytes } from "node:crypto";
import blst from "@chainsafe/blst";

const input = JSON.parse(await new Promise((resolve) => {
  let s = "";
  process.stdin.on("data", (d) => (s += d));
  process.stdin.on("end", () => resolve(s));
}));
const r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const hex = (bytes) => "0x" + Buffer.from(bytes).toString("hex");
const bytes = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
const scalar = () => {
  for (;;) {
    const v = BigInt(hex(randomBytes(32))) % r;
    if (v !== 0n) return v;
  }
};
const key = (v) => blst.SecretKey.fromBytes(bytes(v.toString(16).padStart(64, "0")));

const output = input.validators.map(({ message }) => {
  const coefficients = Array.from({ length: input.threshold }, scalar);
  const at = (x) => coefficients.reduceRight((acc, c) => (acc * x + c) % r, 0n);
  const shares = Array.from({ length: input.nodes }, (_, i) => key(at(BigInt(i + 1))));
  const m = bytes(message);
  return {
    public_key: hex(key(coefficients[0]).toPublicKey().toBytes(true)),
    public_shares: shares.map((s) => hex(s.toPublicKey().toBytes(true))),
    signatures: shares.map((s) => hex(s.sign(m).toBytes(true))),
  };
});
process.stdout.write(JSON.stringify(output));
