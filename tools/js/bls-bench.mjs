// Times @chainsafe/blst on the operations that bench/Bench times for the C# BLS.
// stdin: {"iterations": n}; stdout: {"op": median wall microseconds, "op_cpu": mean process CPU
// microseconds, ...} for the ops blst exposes.
import { randomBytes } from "node:crypto";
import blst from "@chainsafe/blst";

const input = JSON.parse(await new Promise((resolve) => {
  let s = "";
  process.stdin.on("data", (d) => (s += d));
  process.stdin.on("end", () => resolve(s || "{}"));
}));
const iterations = input.iterations ?? 50;

const out = {};
function time(op, fn, n) {
  for (let i = 0; i < Math.max(5, n / 5); i++) fn();
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  out[op] = times[Math.floor(times.length / 2)];
  out[op + "_cpu"] = (cpu.user + cpu.system) / n;
}

const msg = randomBytes(32);
const sk = blst.SecretKey.fromKeygen(randomBytes(32));
const pk = sk.toPublicKey();
const sig = sk.sign(msg);
const four = Array.from({ length: 4 }, () => blst.SecretKey.fromKeygen(randomBytes(32)));
const fourPks = four.map((k) => k.toPublicKey());
const fourAgg = blst.aggregateSignatures(four.map((k) => k.sign(msg)));
const sets = Array.from({ length: 64 }, () => {
  const k = blst.SecretKey.fromKeygen(randomBytes(32));
  const m = randomBytes(32);
  return { msg: m, pk: k.toPublicKey(), sig: k.sign(m) };
});

time("keygen", () => blst.SecretKey.fromKeygen(randomBytes(32)).toPublicKey().toBytes(), iterations);
time("sign", () => sk.sign(msg).toBytes(), iterations);
time("verify", () => {
  if (!blst.verify(msg, blst.PublicKey.fromBytes(pk.toBytes(), true), blst.Signature.fromBytes(sig.toBytes(), true))) throw new Error("verify");
}, iterations);
time("fast_aggregate_verify_4", () => {
  if (!blst.fastAggregateVerify(msg, fourPks.map((p) => blst.PublicKey.fromBytes(p.toBytes(), true)), blst.Signature.fromBytes(fourAgg.toBytes(), true))) throw new Error("fav");
}, iterations);
time("batch_verify_64", () => {
  if (!blst.verifyMultipleAggregateSignatures(sets, true, true)) throw new Error("batch");
}, Math.max(5, Math.floor(iterations / 10)));
process.stdout.write(JSON.stringify(out));
