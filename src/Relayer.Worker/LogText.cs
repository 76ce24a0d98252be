using DvtBus.Primitives;

namespace DvtBus.Relayer;

internal static class LogText
{
    /// <summary>Enough of a validator key to find it, short enough that logs never carry keys in full.</summary>
    public static string Short(BlsPublicKey key) => Hex.Encode(key.Span[..6]) + "…";
}
