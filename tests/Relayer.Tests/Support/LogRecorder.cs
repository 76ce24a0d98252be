using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DvtBus.Relayer.Tests.Support;

/// <summary>What the relayers log at their configured level (Warning in tests), as formatted lines with the category.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public async Task<string> WaitForAsync(Func<string, bool> match, string what, int seconds = 120)
    {
        string? found = null;
        await RelayerEnvironment.WaitUntilAsync(() => Task.FromResult((found = _lines.FirstOrDefault(match)) is not null), what, seconds);
        return found!;
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
