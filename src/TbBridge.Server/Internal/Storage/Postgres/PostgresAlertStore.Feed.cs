using Npgsql;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>The feed: LISTEN, and catch up on every notification, reconnect and poll.</summary>
internal sealed partial class PostgresAlertStore
{
    private async Task FollowAsync()
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var connection = await _replica.DataSource.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
                await using var closing = connection.ConfigureAwait(false);
                using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }

                Listening = true;
                backoff = TimeSpan.FromMilliseconds(250);
                while (!_stop.IsCancellationRequested)
                {
                    // Whatever was committed while this connection was not listening (a reconnect, the start) is read
                    // here too: the catch-up reads by id, the notification only says when.
                    CatchUp();
                    await connection.WaitAsync(Poll, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Listening = false;
                PostgresLog.FeedFailed(_logger, ex);
                try
                {
                    await Task.Delay(backoff, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <summary>Publishes every alert above the last one published, oldest first.</summary>
    private void CatchUp()
    {
        while (true)
        {
            var next = Query(new AlertQuery(null, null, new HashSet<string>(), null), Volatile.Read(ref _lastPublished), long.MaxValue, 1000);
            if (next.Count == 0)
            {
                return;
            }

            Volatile.Write(ref _lastPublished, next[^1].Id);
            Action<IReadOnlyList<AlertRecord>>? published;
            lock (_gate)
            {
                published = _published;
            }

            published?.Invoke(next);
            if (next.Count < 1000)
            {
                return;
            }
        }
    }
}
