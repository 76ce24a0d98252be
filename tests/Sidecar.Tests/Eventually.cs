namespace DvtBus.Sidecar.Tests;

internal static class Eventually
{
    /// <summary>
    /// Polls until the condition holds. The deadline only turns a hang into a failure with a name;
    /// no test asserts how fast anything happens.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(100);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string what, int seconds = 120) =>
        HoldsAsync(() => Task.FromResult(condition()), what, seconds);
}
