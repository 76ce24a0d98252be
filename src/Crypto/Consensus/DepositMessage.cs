using DvtBus.Primitives;

namespace DvtBus.Crypto.Consensus;

/// <summary>SSZ <c>DepositMessage</c>: what a deposit signature signs. Amount in gwei.</summary>
public readonly record struct DepositMessage(BlsPublicKey PublicKey, Bytes32 WithdrawalCredentials, ulong Amount)
{
    public Bytes32 HashTreeRoot()
    {
        Span<byte> publicKey = stackalloc byte[32];
        Span<byte> amount = stackalloc byte[32];
        Ssz.ByteVectorRoot(PublicKey.Span, publicKey);
        Ssz.UInt64Chunk(Amount, amount);
        return Ssz.Root(publicKey, WithdrawalCredentials.Span, amount, Ssz.ZeroChunk);
    }
}

/// <summary>SSZ <c>DepositData</c>: its root is the deposit_data_root the deposit contract and the vault check.</summary>
public readonly record struct DepositData(BlsPublicKey PublicKey, Bytes32 WithdrawalCredentials, ulong Amount, BlsSignature Signature)
{
    public DepositMessage Message => new(PublicKey, WithdrawalCredentials, Amount);

    public Bytes32 HashTreeRoot()
    {
        Span<byte> publicKey = stackalloc byte[32];
        Span<byte> amount = stackalloc byte[32];
        Span<byte> signature = stackalloc byte[32];
        Ssz.ByteVectorRoot(PublicKey.Span, publicKey);
        Ssz.UInt64Chunk(Amount, amount);
        Ssz.ByteVectorRoot(Signature.Span, signature);
        return Ssz.Root(publicKey, WithdrawalCredentials.Span, amount, signature);
    }
}
