using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using TbBridge.Server;
using TbBridge.Server.Internal.Storage;

// `dotnet run --project src/TbBridge.Server` serves gRPC on http://127.0.0.1:5080 (h2c) and the page on
// http://127.0.0.1:5081 with ./data; `--urls URL`, `--web-urls URL` and `--data-dir DIR` change them, as does the TbBridge section of appsettings.json.
// A service that cannot start says why in one line on stderr and exits 1.
try
{
    var app = TbBridgeServerApp.Build(args);
    await app.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync($"tbbridge server: invalid configuration: {string.Join("; ", ex.Failures)} (see docs/server.md, Configuration)").ConfigureAwait(false);
    return 1;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    await Console.Error.WriteLineAsync($"tbbridge server: invalid configuration: {ex.Message} {ex.InnerException?.Message} (see docs/server.md, Configuration)").ConfigureAwait(false);
    return 1;
}
catch (Exception ex) when (ex is DataDirectoryInUseException or StateDatabaseDamagedException)
{
    await Console.Error.WriteLineAsync($"tbbridge server: {ex.Message}").ConfigureAwait(false);
    return 1;
}
catch (Microsoft.Data.Sqlite.SqliteException ex) when (StateDatabaseDamagedException.IsDamage(ex))
{
    // Damage found past the database's first page (its schema or a table), while the service started.
    await Console.Error.WriteLineAsync($"tbbridge server: the state database (tbbridge.db in the data directory) is damaged ({ex.Message.TrimEnd('.')}); restore it from a backup (deploy/README.md)").ConfigureAwait(false);
    return 1;
}
catch (IOException ex) when (ex.InnerException is AddressInUseException)
{
    await Console.Error.WriteLineAsync($"tbbridge server: {ex.Message.TrimEnd('.')}: another service holds that port; stop it or choose another with --urls http://127.0.0.1:PORT (gRPC) or --web-urls http://127.0.0.1:PORT (the page)").ConfigureAwait(false);
    return 1;
}
