using Microsoft.Extensions.Logging;
using Npgsql;
using TbBridge.Server.Internal.Ingest;

namespace TbBridge.Server.Internal.Storage.Postgres;

/// <summary>
/// Resume state shared by replicas, with one writer per stream enforced by an owner epoch on the stream's row.
/// <see cref="Claim"/> takes a stream (refused while its owner is connected and its heartbeat fresh), bumps the epoch
/// and seals the file another replica wrote at its acked length; every save is an UPDATE fenced on that epoch, in the
/// transaction that records what is acked, so a replica that lost the stream can never ack it again.
/// </summary>
internal sealed class PostgresStreamStateStore : IStreamStateStore
{
    private readonly PostgresReplica _replica;
    private readonly ILogger _logger;

    public PostgresStreamStateStore(PostgresReplica replica, ILogger<PostgresStreamStateStore> logger)
    {
        _replica = replica;
        _logger = logger;
    }

    public bool IsShared => true;

    public IReadOnlyList<StreamState> LoadAll() => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT stream_id, project, run, worker, host, last_sequence, file, file_offset, owner_epoch FROM streams", connection);
        using var reader = command.ExecuteReader();
        var states = new List<StreamState>();
        while (reader.Read())
        {
            states.Add(Read(reader, 0));
        }

        return states;
    });

    public StreamClaim Claim(StreamIdentity identity, StreamState? known, Func<string, long, (ulong Sequence, long End)?> prove) => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        for (int attempt = 0; ; attempt++)
        {
            using var transaction = connection.BeginTransaction();
            RefuseIfWorkerLiveElsewhere(connection, transaction, identity);
            using var select = new NpgsqlCommand(
                """
                SELECT s.stream_id, s.project, s.run, s.worker, s.host, s.last_sequence, s.file, s.file_offset, s.owner_epoch, s.owner, s.connected,
                       COALESCE((SELECT r.heartbeat_at > now() - $3 FROM replicas r WHERE r.id = s.owner), false)
                FROM streams s WHERE s.project = $1 AND s.stream_id = $2 FOR UPDATE
                """,
                connection,
                transaction);
            select.Parameters.Add(new NpgsqlParameter { Value = identity.Project });
            select.Parameters.Add(new NpgsqlParameter { Value = identity.StreamId });
            select.Parameters.Add(new NpgsqlParameter { Value = _replica.Timeout });
            StreamState? state = null;
            string? owner = null;
            bool connected = false, ownerAlive = false;
            using (var reader = select.ExecuteReader())
            {
                if (reader.Read())
                {
                    state = Read(reader, 0);
                    owner = reader.IsDBNull(9) ? null : reader.GetString(9);
                    connected = reader.GetBoolean(10);
                    ownerAlive = reader.GetBoolean(11);
                }
            }

            if (state is null)
            {
                using var insert = new NpgsqlCommand(
                    """
                    INSERT INTO streams (project, stream_id, run, worker, host, owner, owner_epoch, connected)
                    VALUES ($1, $2, $3, $4, $5, $6, 1, true) ON CONFLICT DO NOTHING
                    """,
                    connection,
                    transaction);
                foreach (object value in new object[] { identity.Project, identity.StreamId, identity.Run, identity.Worker, identity.Host, _replica.Id })
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                if (insert.ExecuteNonQuery() == 0 && attempt < 3)
                {
                    continue; // another replica created it meanwhile: read it as it is now
                }

                var files = WorkerFiles(connection, transaction, identity);
                transaction.Commit();
                return new StreamClaim(null, 1, [], files);
            }

            if (state.Identity.Run != identity.Run || state.Identity.Worker != identity.Worker)
            {
                throw new StreamRejectedException(StreamRejection.Conflict, $"Stream id '{identity.StreamId}' is bound to another run or worker of this project; use a new stream id.");
            }

            if (connected && owner != _replica.Id && ownerAlive)
            {
                throw new StreamRejectedException(
                    StreamRejection.Busy,
                    $"Stream '{identity.StreamId}' is live on another connection (replica {owner}). Retry after a backoff: a connection that died is noticed within the service's keepalive timeout, a replica that died within {_replica.Timeout.TotalSeconds:0.#} s.");
            }

            if (state.File is not null && prove(state.File, state.FileOffset) is { } proven && proven.Sequence >= state.LastSequence && proven.End > state.FileOffset)
            {
                // The database is older than the file (restored from a backup): the file's commit markers prove later
                // commits were fsynced, and perhaps acked. Move forward to the last of them, in this transaction, so
                // nothing they prove is cut when the file is sealed or continued, and nothing is sent again.
                MoveForward(connection, transaction, identity, proven.Sequence, proven.End);
                PostgresLog.RecoveryMovedForward(_logger, identity.StreamId, state.File, state.LastSequence, proven.Sequence, proven.End - state.FileOffset);
                state = state with { LastSequence = proven.Sequence, FileOffset = proven.End };
            }

            string? file = state.File;
            long offset = state.FileOffset;
            if (owner != _replica.Id && file is not null)
            {
                // Another replica (or an earlier start) wrote this file: it is sealed at what was acked and never written
                // again. A replica that still thinks it holds the stream cuts its own unacked bytes when its save is refused.
                using var seal = new NpgsqlCommand(
                    "INSERT INTO stream_segments (project, stream_id, file, length) VALUES ($1, $2, $3, $4) ON CONFLICT (project, stream_id, file) DO UPDATE SET length = excluded.length",
                    connection,
                    transaction);
                foreach (object value in new object[] { identity.Project, identity.StreamId, file, offset })
                {
                    seal.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                seal.ExecuteNonQuery();
                PostgresLog.StreamTakenOver(_logger, identity.StreamId, identity.Project, owner ?? "none", file, offset);
                file = null;
                offset = 0;
            }

            using var take = new NpgsqlCommand(
                """
                UPDATE streams SET owner = $3, owner_epoch = owner_epoch + 1, connected = true, host = $4, file = $5, file_offset = $6, broken_at = NULL, stalled = false
                WHERE project = $1 AND stream_id = $2 RETURNING owner_epoch
                """,
                connection,
                transaction);
            foreach (object? value in new object?[] { identity.Project, identity.StreamId, _replica.Id, identity.Host, file, offset })
            {
                take.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }

            long epoch = (long)take.ExecuteScalar()!;
            var sealedFiles = Segments(connection, transaction, identity);
            var workerFiles = WorkerFiles(connection, transaction, identity);
            transaction.Commit();
            return new StreamClaim(state with { Identity = identity, File = file, FileOffset = offset, Epoch = epoch }, epoch, sealedFiles, workerFiles);
        }
    });

    private static void MoveForward(NpgsqlConnection connection, NpgsqlTransaction transaction, StreamIdentity identity, ulong sequence, long offset)
    {
        using var command = new NpgsqlCommand("UPDATE streams SET last_sequence = $3, file_offset = $4 WHERE project = $1 AND stream_id = $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = identity.Project });
        command.Parameters.Add(new NpgsqlParameter { Value = identity.StreamId });
        command.Parameters.Add(new NpgsqlParameter { Value = checked((long)sequence) });
        command.Parameters.Add(new NpgsqlParameter { Value = offset });
        command.ExecuteNonQuery();
    }

    public long? SealedLength(StreamKey key, string file) => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT length FROM stream_segments WHERE project = $1 AND stream_id = $2 AND file = $3", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key.Project });
        command.Parameters.Add(new NpgsqlParameter { Value = key.StreamId });
        command.Parameters.Add(new NpgsqlParameter { Value = file });
        return command.ExecuteScalar() is long length ? length : (long?)null;
    });

    /// <summary>
    /// One live stream per worker across replicas: refused while another stream id of the same worker is connected to a
    /// live replica. Claims of one worker take its transaction-scoped advisory lock first, so two replicas opening two
    /// stream ids of one worker at once are decided one after the other (the second sees the first's committed row).
    /// This replica's own streams are the engine's to judge (it knows them; a row it left connected after a failure is no live stream).
    /// </summary>
    private void RefuseIfWorkerLiveElsewhere(NpgsqlConnection connection, NpgsqlTransaction transaction, StreamIdentity identity)
    {
        using (var lockWorker = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 0))", connection, transaction))
        {
            foreach (object value in new object[] { identity.Project, identity.Run, identity.Worker })
            {
                lockWorker.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            lockWorker.ExecuteNonQuery();
        }

        using var command = new NpgsqlCommand(
            """
            SELECT s.stream_id, s.owner FROM streams s JOIN replicas r ON r.id = s.owner
            WHERE s.project = $1 AND s.run = $2 AND s.worker = $3 AND s.stream_id <> $4 AND s.connected
              AND s.owner <> $5 AND r.heartbeat_at > now() - $6
            LIMIT 1
            """,
            connection,
            transaction);
        foreach (object value in new object[] { identity.Project, identity.Run, identity.Worker, identity.StreamId, _replica.Id, _replica.Timeout })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        using var reader = command.ExecuteReader();
        if (reader.Read())
        {
            throw new StreamRejectedException(
                StreamRejection.Busy,
                $"Worker '{identity.Worker}' of run '{identity.Run}' is streaming under stream id '{reader.GetString(0)}' on another replica ({reader.GetString(1)}); a worker streams one stream at a time. Retry after a backoff, or use another worker name.");
        }
    }

    public bool TryJudge(StreamKey key, long epoch) => Guard(() =>
    {
        // One statement: of every replica that asks (the one that saw the break, one that found its owner dead), one wins.
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            "UPDATE streams SET judged_epoch = owner_epoch, judge = $4 WHERE project = $1 AND stream_id = $2 AND owner_epoch = $3 AND judged_epoch < owner_epoch",
            connection);
        foreach (object value in new object[] { key.Project, key.StreamId, epoch, _replica.Id })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command.ExecuteNonQuery() == 1;
    });

    public IReadOnlyList<OrphanedStream> ClaimOrphans() => Guard(() =>
    {
        // Streams whose owner is a replica that stopped beating (not one that stopped on purpose: it deleted its row and
        // released its streams) while they were connected, or after they broke and before it judged them; and those a
        // replica took this way and then died (or stopped) itself, maybe before the grace ended: taken again, raised
        // again with the same deduplication key (the row's last step and tag do not move while nobody holds the
        // stream), so stored and told once. Row locks make two live replicas that run this at once take each stream
        // once: the second re-reads judged_epoch and judge.
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            """
            UPDATE streams s SET judged_epoch = s.owner_epoch, judge = $1
            FROM replicas r
            WHERE r.id = s.owner AND r.heartbeat_at <= now() - $2 AND s.owner <> $1
              AND (s.connected OR s.broken_at IS NOT NULL)
              AND (s.judged_epoch < s.owner_epoch
                   OR (s.judged_epoch = s.owner_epoch AND s.judge <> s.owner AND s.judge <> $1
                       AND NOT EXISTS (SELECT 1 FROM replicas j WHERE j.id = s.judge AND j.heartbeat_at > now() - $2)))
            RETURNING s.stream_id, s.project, s.run, s.worker, s.host, s.owner_epoch, s.points, COALESCE(s.last_step, 0), s.last_tag,
                      COALESCE(s.last_wall_time, 0), EXTRACT(EPOCH FROM now() - COALESCE(s.last_point_at, s.broken_at, r.heartbeat_at))::float8
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _replica.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = _replica.Timeout });
        using var reader = command.ExecuteReader();
        var orphans = new List<OrphanedStream>();
        while (reader.Read())
        {
            var identity = new StreamIdentity(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(0));
            orphans.Add(new OrphanedStream(identity, reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetString(8), reader.GetDouble(9), reader.GetDouble(10)));
        }

        return orphans;
    });

    public bool ConfirmOrphan(OrphanedStream orphan) => Guard(() =>
    {
        // Still this replica's judgement of that claim, and its owner still gone (or the stream broken): raise, and mark the
        // judgement settled (judge = owner: no other replica takes it again, and the dead owner's row may be pruned). An
        // owner that was only late (its heartbeat beats again, the stream connected) gets its judgement back.
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            """
            WITH o AS (
                SELECT s.project, s.stream_id, s.connected AND EXISTS (SELECT 1 FROM replicas r WHERE r.id = s.owner AND r.heartbeat_at > now() - $5) AS alive
                FROM streams s WHERE s.project = $1 AND s.stream_id = $2 AND s.owner_epoch = $3 AND s.judged_epoch = $3 AND s.judge = $4 FOR UPDATE)
            UPDATE streams s SET judged_epoch = CASE WHEN o.alive THEN 0 ELSE s.judged_epoch END, judge = CASE WHEN o.alive THEN NULL ELSE s.owner END
            FROM o WHERE s.project = o.project AND s.stream_id = o.stream_id
            RETURNING NOT o.alive
            """,
            connection);
        foreach (object value in new object[] { orphan.Identity.Project, orphan.Identity.StreamId, orphan.Epoch, _replica.Id, _replica.Timeout })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command.ExecuteScalar() is true;
    });

    public void MarkStalled(StreamKey key, long epoch) => Guard(() =>
    {
        // Rare (once per stall): the commit that saves the stream's next points clears it in its own statement.
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("UPDATE streams SET stalled = true WHERE project = $1 AND stream_id = $2 AND owner_epoch = $3 AND connected", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key.Project });
        command.Parameters.Add(new NpgsqlParameter { Value = key.StreamId });
        command.Parameters.Add(new NpgsqlParameter { Value = epoch });
        command.ExecuteNonQuery();
        return 0;
    });

    public void Release(StreamState state, bool broken) => Guard(() =>
    {
        using var connection = _replica.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            "UPDATE streams SET connected = false, stalled = false, broken_at = CASE WHEN $4 THEN now() END WHERE project = $1 AND stream_id = $2 AND owner_epoch = $3",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = state.Identity.Project });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Identity.StreamId });
        command.Parameters.Add(new NpgsqlParameter { Value = state.Epoch });
        command.Parameters.Add(new NpgsqlParameter { Value = broken });
        command.ExecuteNonQuery();
        return 0;
    });

    public IReadOnlyCollection<StreamKey> SaveAll(IReadOnlyCollection<StreamState> states)
    {
        if (states.Count == 0)
        {
            return [];
        }

        return Guard(() =>
        {
            using var connection = _replica.DataSource.OpenConnection();
            // One statement, one implicit transaction: every stream whose epoch still matches is saved; the others are
            // fenced (another replica claimed them) and come back so that they are not acked. The run registry rides
            // along: the points, highest step and newest tag that arrived since the last save, and the run's new tags.
            using var command = new NpgsqlCommand(
                """
                WITH saved AS (
                    UPDATE streams AS s SET last_sequence = u.seq, file = u.file, file_offset = u.off,
                        points = s.points + u.points,
                        last_step = GREATEST(s.last_step, u.step),
                        last_tag = CASE WHEN u.wall >= s.last_wall_time OR (u.wall IS NOT NULL AND s.last_wall_time IS NULL) THEN u.tag ELSE s.last_tag END,
                        last_wall_time = GREATEST(s.last_wall_time, u.wall),
                        last_point_at = CASE WHEN u.points > 0 THEN now() ELSE s.last_point_at END,
                        stalled = s.stalled AND u.points = 0
                    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::float8[])
                        AS u(project, stream_id, epoch, seq, file, off, points, step, tag, wall)
                    WHERE s.project = u.project AND s.stream_id = u.stream_id AND s.owner_epoch = u.epoch AND u.seq >= s.last_sequence
                    RETURNING s.project, s.stream_id, s.run),
                tags AS (
                    INSERT INTO run_tags (project, run, tag)
                    SELECT saved.project, saved.run, t.tag FROM saved
                    JOIN unnest($11::text[], $12::text[], $13::text[]) AS t(project, stream_id, tag) ON t.project = saved.project AND t.stream_id = saved.stream_id
                    ON CONFLICT DO NOTHING)
                SELECT project, stream_id FROM saved
                """,
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Identity.Project).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Identity.StreamId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Epoch).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => checked((long)s.LastSequence)).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.File).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.FileOffset).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Delta?.Points ?? 0).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Delta?.LastStep).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Delta?.LastTag ?? "").ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => s.Delta?.NewestWallTime).ToArray() });
            var tags = states.SelectMany(s => (s.Delta?.NewTags ?? []).Select(tag => (s.Identity.Project, s.Identity.StreamId, Tag: tag))).ToArray();
            command.Parameters.Add(new NpgsqlParameter { Value = tags.Select(t => t.Project).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = tags.Select(t => t.StreamId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = tags.Select(t => t.Tag).ToArray() });
            var saved = new HashSet<StreamKey>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    saved.Add(new StreamKey(reader.GetString(0), reader.GetString(1)));
                }
            }

            return (IReadOnlyCollection<StreamKey>)states.Select(s => s.Identity.Key).Where(k => !saved.Contains(k)).ToArray();
        });
    }

    public void Dispose()
    {
        // The data source is the replica's.
    }

    private static StreamState Read(NpgsqlDataReader reader, int at)
    {
        var identity = new StreamIdentity(reader.GetString(at + 1), reader.GetString(at + 2), reader.GetString(at + 3), reader.GetString(at + 4), reader.GetString(at));
        return new StreamState(identity, (ulong)reader.GetInt64(at + 5), reader.IsDBNull(at + 6) ? null : reader.GetString(at + 6), reader.GetInt64(at + 7), reader.GetInt64(at + 8));
    }

    /// <summary>The stream's sealed files, each at its acked length: cut back on every claim (a stopped replica may have written past it).</summary>
    private static List<(string File, long Length)> Segments(NpgsqlConnection connection, NpgsqlTransaction transaction, StreamIdentity identity)
    {
        using var command = new NpgsqlCommand("SELECT file, length FROM stream_segments WHERE project = $1 AND stream_id = $2 ORDER BY file", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = identity.Project });
        command.Parameters.Add(new NpgsqlParameter { Value = identity.StreamId });
        return ReadFiles(command);
    }

    /// <summary>Every file of the worker (its streams' current ones and their sealed ones) with its acked length.</summary>
    private static List<(string File, long Length)> WorkerFiles(NpgsqlConnection connection, NpgsqlTransaction transaction, StreamIdentity identity)
    {
        using var command = new NpgsqlCommand(
            """
            SELECT file, file_offset FROM streams WHERE project = $1 AND run = $2 AND worker = $3 AND file IS NOT NULL
            UNION ALL
            SELECT g.file, g.length FROM stream_segments g JOIN streams s ON s.project = g.project AND s.stream_id = g.stream_id
            WHERE s.project = $1 AND s.run = $2 AND s.worker = $3
            ORDER BY 1
            """,
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = identity.Project });
        command.Parameters.Add(new NpgsqlParameter { Value = identity.Run });
        command.Parameters.Add(new NpgsqlParameter { Value = identity.Worker });
        return ReadFiles(command);
    }

    private static List<(string File, long Length)> ReadFiles(NpgsqlCommand command)
    {
        var files = new List<(string File, long Length)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            files.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return files;
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (PostgresReplica.IsDatabaseError(ex))
        {
            throw PostgresReplica.Unreachable(ex);
        }
    }
}
