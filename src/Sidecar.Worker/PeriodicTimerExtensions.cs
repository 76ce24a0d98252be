namespace DvtBus.Sidecar.Worker;

internal static class PeriodicTimerExtensions
{
    /// <summary>False once the host stops, instead of an exception that every loop would have to catch.</summary>
    public static async Task<bool> TickAsync(this PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
