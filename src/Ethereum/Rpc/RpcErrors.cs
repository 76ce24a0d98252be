using DvtBus.Ethereum.Abi;

namespace DvtBus.Ethereum.Rpc;

/// <summary>
/// The node answered with a JSON-RPC error: a revert, a nonce or fee problem, a bad request. These are
/// answers, not outages, so they are never retried.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(string method, int code, string rpcMessage, string? rawData, byte[]? revertData, IEnumerable<string>? customErrors)
        : base(Describe(method, code, rpcMessage, revertData, customErrors))
    {
        Method = method;
        Code = code;
        RpcMessage = rpcMessage;
        RawData = rawData;
        RevertData = revertData;
        if (revertData is not null) Revert = RevertReason.Decode(revertData, customErrors);
    }

    public string Method { get; }
    public int Code { get; }

    /// <summary>The node's own error message.</summary>
    public string RpcMessage { get; }

    /// <summary>The error's data member as JSON text, when present.</summary>
    public string? RawData { get; }

    /// <summary>The contract's revert data, when the node returned it.</summary>
    public byte[]? RevertData { get; }

    /// <summary>The revert decoded with Error(string), Panic(uint256) and the client's custom errors.</summary>
    public RevertReason? Revert { get; }

    /// <summary>True when the call or transaction reverted in the EVM.</summary>
    public bool IsRevert => RevertData is not null || Code == 3 || RpcMessage.Contains("revert", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A sent transaction the node already holds, in the wording of geth, Erigon and reth ("already known"),
    /// Besu ("Known transaction"), Nethermind before 2026 ("AlreadyKnown") and anvil ("already imported"):
    /// sending the same bytes again did no harm.
    /// </summary>
    public bool IsAlreadyKnown =>
        Says("already known") || (Says("known transaction") && !Says("unknown transaction")) || Says("AlreadyKnown") || Says("already imported");

    /// <summary>A sent transaction whose nonce is already used: "nonce too low" (most clients), "OldNonce" (older Nethermind).</summary>
    public bool IsNonceTooLow => Says("nonce too low") || Says("OldNonce");

    private bool Says(string text) => RpcMessage.Contains(text, StringComparison.OrdinalIgnoreCase);

    /// <summary>Decodes the revert data again with more custom error signatures.</summary>
    public RevertReason? DecodeRevert(params string[] customErrors) =>
        RevertData is null ? null : RevertReason.Decode(RevertData, customErrors);

    private static string Describe(string method, int code, string rpcMessage, byte[]? revertData, IEnumerable<string>? customErrors)
    {
        var text = $"{method} failed: {rpcMessage} (code {code})";
        if (revertData is null) return text;
        var reason = RevertReason.Decode(revertData, customErrors);
        return reason.Name is null ? text : $"{text}: {reason.Message}";
    }
}

/// <summary>
/// The node could not be reached or did not answer properly (connection refused, timeout, HTTP 5xx/429,
/// not JSON). <see cref="IsTransient"/> says whether trying again can help; those have already been retried.
/// </summary>
public sealed class RpcTransportException(string message, bool isTransient, int? httpStatus = null, Exception? inner = null, bool neverSent = false)
    : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
    public int? HttpStatus { get; } = httpStatus;

    /// <summary>The request never reached the node (no connection could be made): repeating it cannot do anything twice.</summary>
    public bool NeverSent { get; } = neverSent;
}
