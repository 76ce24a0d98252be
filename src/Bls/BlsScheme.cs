using DvtBus.Primitives;

namespace DvtBus.Bls;

/// <summary>
/// The Ethereum proof-of-possession ciphersuite (BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_).
/// The one class a native backend would replace. Verification never throws on bad input.
/// </summary>
public static class BlsScheme
{
    public static bool Verify(BlsPublicKey publicKey, ReadOnlySpan<byte> message, BlsSignature signature) => throw new NotImplementedException();
    public static bool KeyValidate(BlsPublicKey publicKey) => throw new NotImplementedException();
    public static bool SignatureValidate(BlsSignature signature) => throw new NotImplementedException();
    public static BlsSignature Aggregate(IReadOnlyList<BlsSignature> signatures) => throw new NotImplementedException();
    public static BlsPublicKey AggregatePublicKeys(IReadOnlyList<BlsPublicKey> publicKeys) => throw new NotImplementedException();
    public static bool FastAggregateVerify(IReadOnlyList<BlsPublicKey> publicKeys, ReadOnlySpan<byte> message, BlsSignature signature) => throw new NotImplementedException();
    public static bool AggregateVerify(IReadOnlyList<BlsPublicKey> publicKeys, IReadOnlyList<byte[]> messages, BlsSignature signature) => throw new NotImplementedException();
    public static bool BatchVerify(IReadOnlyList<SignatureSet> sets) => throw new NotImplementedException();
}

public sealed record SignatureSet(BlsPublicKey PublicKey, byte[] Message, BlsSignature Signature);
