namespace DvtBus.Hosting;

/// <summary>Live: the process should be restarted if this fails. Ready: do not send it work yet.</summary>
public static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";
}
