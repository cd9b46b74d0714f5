using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// Keeps the log lines of TbBridge's own categories (not gRPC's or ASP.NET's, whose volume changes timings) with a
/// timestamp, for an assertion message to show what a client went through.
/// </summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();

    public override string ToString() => string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName.StartsWith("TbBridge", StringComparison.Ordinal));

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerFactory owner, bool enabled) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => enabled && logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._lines.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {formatter(state, exception)}"));
            }
        }
    }
}
