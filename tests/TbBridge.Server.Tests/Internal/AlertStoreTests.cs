using Microsoft.Data.Sqlite;
using TbBridge.Analysis;
using TbBridge.Server.Internal.Alerts;

namespace TbBridge.Server.Tests.Internal;

public sealed class AlertStoreTests : IDisposable
{
    /// <summary>The alerts table as services before hints and evidence created it.</summary>
    internal const string FirstSchema = """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            project TEXT NOT NULL,
            run TEXT NOT NULL,
            worker TEXT NOT NULL,
            kind TEXT NOT NULL,
            severity INTEGER NOT NULL,
            tag TEXT NOT NULL,
            step INTEGER NOT NULL,
            message TEXT NOT NULL,
            raised_at REAL NOT NULL);
        CREATE INDEX alerts_run ON alerts(project, run);
        INSERT INTO alerts (id, project, run, worker, kind, severity, tag, step, message, raised_at)
        VALUES (7, 'p', 'r', 'w0', 'divergence', 3, 'train/loss', 120, 'train/loss grew 50x', 1700000000.5);
        """;

    private static readonly AlertQuery All = new(null, null, new HashSet<string>(), null);

    private readonly TempFolder _folder = new();

    private string DatabasePath => Path.Combine(_folder.Path, "tbbridge.db");

    public void Dispose() => _folder.Dispose();

    internal static void CreateFirstSchemaDatabase(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = FirstSchema;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void Open_DatabaseWithoutTheNewColumns_KeepsItsAlertsAndStoresNewOnesWhole()
    {
        CreateFirstSchemaDatabase(DatabasePath);

        using (var store = new AlertStore(DatabasePath))
        {
            Assert.Equal(7, store.MaxId());
            var old = Assert.Single(store.Query(All, 0, long.MaxValue, 10));
            Assert.Equal((7L, "divergence", AlertSeverity.Critical, "train/loss", 120L), (old.Id, old.Kind, old.Severity, old.Tag, old.Step));
            Assert.Equal(["train/loss"], old.Tags); // the primary tag stands in for the list it never had
            Assert.Equal(("", ""), (old.Subject, old.Hint));
            Assert.Empty(old.Evidence);
            Assert.Equal(1, store.CountByRun("p", "r")[AlertSeverity.Critical]);

            store.Add(Record(8));
        }

        using var reopened = new AlertStore(DatabasePath); // the added columns are found, not added twice
        var alerts = reopened.Query(All, 0, long.MaxValue, 10);
        Assert.Equal([7L, 8L], alerts.Select(a => a.Id));
        AssertSameDetails(Record(8), alerts[1]);
    }

    [Fact]
    public void Add_NonFiniteEvidence_ReadsBackEveryValueInTheRulesOrder()
    {
        var alert = Record(1) with
        {
            Evidence = new Dictionary<string, double> { ["ratio"] = double.PositiveInfinity, ["nan_count"] = double.NaN, ["floor"] = double.NegativeInfinity, ["level"] = 0.125 },
        };
        using (var store = new AlertStore(DatabasePath))
        {
            store.Add(alert);
        }

        using var reopened = new AlertStore(DatabasePath);
        var read = Assert.Single(reopened.Query(All, 0, long.MaxValue, 10));
        Assert.Equal(["ratio", "nan_count", "floor", "level"], read.Evidence.Keys);
        Assert.Equal([double.PositiveInfinity, double.NaN, double.NegativeInfinity, 0.125], read.Evidence.Values);
    }

    [Fact]
    public void Query_OneWorkerOfARun_ReturnsItsAlertsOnlyInOrderWhileAWriterHoldsTheDatabase()
    {
        using var store = new AlertStore(DatabasePath);
        for (int i = 1; i <= 30; i++)
        {
            store.Add(Record(i) with { Worker = "w" + (i % 3), Step = i });
        }

        // A writer in the middle of a transaction (as an insert is) does not hold a read up: readers have their own connections.
        using var writer = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        writer.Open();
        using (var begin = writer.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE; INSERT INTO alerts (id, project, run, worker, kind, severity, tag, step, message, raised_at) VALUES (99, 'p', 'r', 'w1', 'k', 1, 't', 1, 'm', 1)";
            begin.ExecuteNonQuery();
        }

        var ofW1 = store.Query(All with { Project = "p", Run = "r", Worker = "w1" }, 0, long.MaxValue, int.MaxValue);
        Assert.Equal(Enumerable.Range(1, 30).Where(i => i % 3 == 1).Select(i => (long)i), ofW1.Select(a => a.Id));
        Assert.All(ofW1, a => Assert.Equal("w1", a.Worker));
    }

    private static AlertRecord Record(long id) => new(
        id, "p", "r", "w1", AlertKind.ExplodingGradients, AlertSeverity.Warning, "grad_norm/total", 40, "grad_norm/total grew 1000x", 1700000100.25,
        ["grad_norm/total", "grad_norm/fc1.weight"], "gradients", "Usual causes: learning rate too high.",
        new Dictionary<string, double> { ["ratio"] = 1234.5, ["baseline"] = 0.01 });

    private static void AssertSameDetails(AlertRecord expected, AlertRecord actual)
    {
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal((expected.Subject, expected.Hint), (actual.Subject, actual.Hint));
        Assert.Equal(expected.Evidence.ToArray(), actual.Evidence.ToArray());
        Assert.Equal(expected with { Tags = actual.Tags, Evidence = actual.Evidence }, actual);
    }
}
