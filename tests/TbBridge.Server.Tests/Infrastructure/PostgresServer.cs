using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the replica tests: <c>$TBBRIDGE_TEST_POSTGRES</c> (a connection string) when set, otherwise a
/// throw-away cluster of Debian's <c>postgresql</c> package (initdb into a temp folder, pg_ctl start on 127.0.0.1 and a
/// free port, trust authentication, no fsync), run as the <c>postgres</c> user (or <c>nobody</c> where there is none)
/// when the tests run as root. Each test takes a database of its own (<see cref="CreateDatabase"/>). The cluster can be
/// stopped and started again under a test (a restart of the database mid-stream).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private const string EnvironmentVariable = "TBBRIDGE_TEST_POSTGRES";
    private static readonly Lazy<string?> s_binaries = new(FindBinaries);
    private readonly string? _folder;
    private readonly string? _runAs;

    public PostgresServer()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } external)
        {
            AdminConnectionString = external;
            return;
        }

        string bin = s_binaries.Value ?? throw new InvalidOperationException(SkipReason ?? "PostgreSQL is not installed.");
        _folder = Directory.CreateTempSubdirectory("tbbridge-pg-").FullName;
        _runAs = Environment.UserName == "root" ? (UserExists("postgres") ? "postgres" : "nobody") : null;
        if (_runAs is not null)
        {
            Run("chown", null, "-R", _runAs, _folder);
        }

        Port = ChildProcessServer.FreePort();
        Bin = bin;
        Run(Path.Combine(bin, "initdb"), _runAs, "-D", DataPath, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C");
        Start();
        AdminConnectionString = $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";
    }

    /// <summary>Why the replica tests cannot run here (no PostgreSQL binaries and no <c>$TBBRIDGE_TEST_POSTGRES</c>); null when they can.</summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } || s_binaries.Value is not null
            ? null
            : $"PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql/*/bin; Debian's postgresql package) and ${EnvironmentVariable} is not set";

    public string AdminConnectionString { get; }

    public int Port { get; }

    private string Bin { get; } = "";

    private string DataPath => Path.Combine(_folder!, "cluster");

    /// <summary>A new empty database on the server; returns its connection string.</summary>
    public string CreateDatabase()
    {
        string name = "tbbridge_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Stops the cluster at once (fast shutdown: connections are cut). Only for a cluster this fixture started.</summary>
    public void Stop() => Run(Path.Combine(Bin, "pg_ctl"), _runAs, "-D", DataPath, "-m", "fast", "-w", "stop");

    public void Start() => Run(
        Path.Combine(Bin, "pg_ctl"), _runAs, "-D", DataPath, "-l", Path.Combine(_folder!, "log"), "-w", "-t", "60",
        "-o", string.Create(CultureInfo.InvariantCulture, $"-p {Port} -c listen_addresses=127.0.0.1 -k {_folder} -c fsync=off -c max_connections=200"), "start");

    /// <summary>Whether this fixture runs the cluster (and can stop it), rather than using an external server.</summary>
    public bool OwnsCluster => _folder is not null;

    public void Dispose()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            Stop();
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string? FindBinaries()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                return directory;
            }
        }

        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int v) ? v : 0)
                .FirstOrDefault()
            : null;
    }

    private static bool UserExists(string name) => File.ReadLines("/etc/passwd").Any(l => l.StartsWith(name + ":", StringComparison.Ordinal));

    private static void Run(string program, string? runAs, params string[] arguments)
    {
        var start = new ProcessStartInfo(runAs is null ? program : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (runAs is not null)
        {
            // setpriv (util-linux, on every Debian) rather than runuser/su: no PAM, no login shell, any uid with a passwd entry.
            string group = runAs == "nobody" ? "nogroup" : runAs;
            foreach (string a in (string[])["--reuid", runAs, "--regid", group, "--init-groups", "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {error} {output.Result}");
        }
    }
}
