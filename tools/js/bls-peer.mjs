// Independent BLS12-381 answers for the C# differential tests: every case is computed with
// @noble/curves (long signatures, the POP DST passed explicitly) and, where it exposes the
// operation, with @chainsafe/blst. stdin: {"cases":[{op,...}]}; stdout: {"results":[{noble, blst}]}.
import { bls12_381, bls12_381_Fr as Fr } from "@noble/curves/bls12-381.js";
import blst from "@chainsafe/blst";

const DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
const bls = bls12_381.longSignatures;
const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;

const unhex = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
const hex = (b) => "0x" + Buffer.from(b).toString("hex");
const scalar = (h) => BigInt(h);
const attempt = (fn) => {
  try {
    return fn();
  } catch {
    return null;
  }
};

function nobleG1(h) {
  const p = G1.fromBytes(unhex(h));
  p.assertValidity();
  if (p.is0()) throw new Error("identity");
  return p;
}
function nobleG2(h) {
  const p = G2.fromBytes(unhex(h));
  p.assertValidity();
  return p;
}
function lagrange(ids) {
  const xs = ids.map(BigInt);
  return xs.map((xi, i) => {
    let num = 1n, den = 1n;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num = Fr.mul(num, xj);
      den = Fr.mul(den, Fr.sub(xj, xi));
    });
    return Fr.div(num, den);
  });
}

const handlers = {
  pk: ({ sk }) => ({
    noble: hex(bls.getPublicKey(unhex(sk)).toBytes()),
    blst: blst.SecretKey.fromBytes(unhex(sk)).toPublicKey().toHex(),
  }),
  sign: ({ sk, msg }) => ({
    noble: hex(bls.sign(bls.hash(unhex(msg), DST), unhex(sk)).toBytes()),
    blst: blst.SecretKey.fromBytes(unhex(sk)).sign(unhex(msg)).toHex(),
  }),
  verify: ({ pk, msg, sig }) => ({
    noble: attempt(() => bls.verify(nobleG2(sig), bls.hash(unhex(msg), DST), nobleG1(pk))) ?? false,
    blst: attempt(() => blst.verify(unhex(msg), blst.PublicKey.fromBytes(unhex(pk), true), blst.Signature.fromBytes(unhex(sig), true))) ?? false,
  }),
  aggregate: ({ sigs }) => ({
    noble: hex(bls.aggregateSignatures(sigs.map(nobleG2)).toBytes()),
    blst: blst.aggregateSignatures(sigs.map((s) => blst.Signature.fromBytes(unhex(s), true))).toHex(),
  }),
  aggregate_pks: ({ pks }) => ({
    noble: hex(bls.aggregatePublicKeys(pks.map(nobleG1)).toBytes()),
    blst: blst.aggregatePublicKeys(pks.map((p) => blst.PublicKey.fromBytes(unhex(p), true))).toHex(),
  }),
  fast_aggregate_verify: ({ pks, msg, sig }) => ({
    noble: attempt(() => bls.verify(nobleG2(sig), bls.hash(unhex(msg), DST), bls.aggregatePublicKeys(pks.map(nobleG1)))) ?? false,
    blst: attempt(() => blst.fastAggregateVerify(unhex(msg), pks.map((p) => blst.PublicKey.fromBytes(unhex(p), true)), blst.Signature.fromBytes(unhex(sig), true))) ?? false,
  }),
  hash: ({ msg }) => ({ noble: hex(bls.hash(unhex(msg), DST).toBytes()) }),
  recover_secret: ({ ids, shares }) => {
    const l = lagrange(ids);
    const s = shares.reduce((acc, sh, i) => Fr.add(acc, Fr.mul(l[i], scalar(sh))), 0n);
    return { noble: "0x" + s.toString(16).padStart(64, "0") };
  },
  recover_signature: ({ ids, sigs }) => {
    const l = lagrange(ids);
    const p = sigs.reduce((acc, s, i) => acc.add(nobleG2(s).multiply(l[i])), G2.ZERO);
    return { noble: hex(p.toBytes()) };
  },
  recover_public_key: ({ ids, pks }) => {
    const l = lagrange(ids);
    const p = pks.reduce((acc, s, i) => acc.add(nobleG1(s).multiply(l[i])), G1.ZERO);
    return { noble: hex(p.toBytes()) };
  },
  key_validate: ({ pk }) => ({
    noble: attempt(() => !!nobleG1(pk)) ?? false,
    blst: attempt(() => (blst.PublicKey.fromBytes(unhex(pk), true), true)) ?? false,
  }),
  signature_validate: ({ sig }) => ({
    noble: attempt(() => !!nobleG2(sig)) ?? false,
    blst: attempt(() => (blst.Signature.fromBytes(unhex(sig), true), true)) ?? false,
  }),
};

let text = "";
for await (const chunk of process.stdin) text += chunk;
const { cases } = JSON.parse(text);
const results = cases.map((c) => {
  const h = handlers[c.op];
  if (!h) throw new Error(`unknown op ${c.op}`);
  return h(c);
});
process.stdout.write(JSON.stringify({ results }));
