// Plays the StakeWise oracles for the relayer tests, with libraries independent of the C# code.
// stdin {"op":"keys","count":n}                      -> [{"secret":"0x..","public":"0x..64 bytes"}]
// stdin {"op":"open","message":"0x..32","shards":[{"secret","ciphertext","public_key_shard"}]}
//   -> [{"signature":"0x..96","verifies":bool}]  (eciesjs decrypt, then @chainsafe/blst verify)
import { decrypt, PrivateKey } from "eciesjs";
import blst from "@chainsafe/blst";

const input = JSON.parse(await new Promise((resolve) => {
  let s = "";
  process.stdin.on("data", (d) => (s += d));
  process.stdin.on("end", () => resolve(s));
}));
const hex = (bytes) => "0x" + Buffer.from(bytes).toString("hex");
const bytes = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));

let output;
if (input.op === "keys") {
  output = Array.from({ length: input.count }, () => {
    const key = new PrivateKey();
    return { secret: hex(key.secret), public: hex(key.publicKey.toBytes(false).slice(1)) };
  });
} else if (input.op === "open") {
  const message = bytes(input.message);
  output = input.shards.map((s) => {
    const signature = decrypt(bytes(s.secret), bytes(s.ciphertext));
    const verifies = blst.verify(message, blst.PublicKey.fromBytes(bytes(s.public_key_shard)), blst.Signature.fromBytes(signature));
    return { signature: hex(signature), verifies };
  });
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(output));
