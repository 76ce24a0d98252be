using Microsoft.Extensions.Options;

namespace DvtBus.Hosting;

/// <summary>The broker connection, section <c>RabbitMq</c> (environment: <c>RabbitMq__Host</c>, ...).</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    public string Host { get; set; } = "";
    public int Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";

    /// <summary>Quorum queues survive a broker node loss; classic durable queues are the fallback for old brokers.</summary>
    public bool QuorumQueues { get; set; } = true;

    public ushort PrefetchCount { get; set; } = 32;
}

internal sealed class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions o)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Host)) failures.Add("RabbitMq:Host is required (the broker's host name or address)");
        else if (Uri.CheckHostName(o.Host) == UriHostNameType.Unknown) failures.Add($"RabbitMq:Host '{o.Host}' is not a host name or address");
        if (o.Port is < 1 or > 65535) failures.Add($"RabbitMq:Port {o.Port} is not a TCP port");
        if (string.IsNullOrEmpty(o.VirtualHost)) failures.Add("RabbitMq:VirtualHost is required ('/' is the default)");
        if (string.IsNullOrEmpty(o.Username)) failures.Add("RabbitMq:Username is required");
        if (o.PrefetchCount == 0) failures.Add("RabbitMq:PrefetchCount must be at least 1");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
