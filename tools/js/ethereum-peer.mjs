// Independent answers from ethers for the C# Ethereum layer's tests. Reads {"cases":[...]} on stdin,
// writes {"results":[...]} in the same order. Each case has an "op"; see the switch below.
import { AbiCoder, Transaction, TypedDataEncoder, Wallet, getBytes, hashMessage, verifyTypedData } from "ethers";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

const coder = AbiCoder.defaultAbiCoder();

function run(c) {
  switch (c.op) {
    case "address":
      return { address: new Wallet(c.key).address };
    case "signMessage": {
      const bytes = getBytes(c.message);
      return { hash: hashMessage(bytes), signature: new Wallet(c.key).signingKey.sign(hashMessage(bytes)).serialized };
    }
    case "typedData":
      return {
        hash: TypedDataEncoder.hash(c.domain, c.types, c.value),
        recovered: verifyTypedData(c.domain, c.types, c.value, c.signature),
      };
    case "parseTx": {
      const tx = Transaction.from(c.raw);
      return {
        type: tx.type,
        chainId: tx.chainId.toString(),
        nonce: tx.nonce,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas.toString(),
        maxFeePerGas: tx.maxFeePerGas.toString(),
        gasLimit: tx.gasLimit.toString(),
        to: tx.to,
        value: tx.value.toString(),
        data: tx.data,
        from: tx.from,
        hash: tx.hash,
        unsignedHash: tx.unsignedHash,
      };
    }
    case "signTx": {
      const wallet = new Wallet(c.key);
      const tx = Transaction.from({ ...c.tx, type: 2 });
      tx.signature = wallet.signingKey.sign(tx.unsignedHash);
      return { raw: tx.serialized };
    }
    case "abiEncode":
      return { encoded: coder.encode(c.types, c.values) };
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

const results = input.cases.map(run);
process.stdout.write(JSON.stringify({ results }, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
