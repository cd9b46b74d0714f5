using TbBridge.Server;

// `dotnet run --project src/TbBridge.Server` serves on http://127.0.0.1:5080 (h2c) with ./data;
// `--urls URL` and `--data-dir DIR` change them, as does the TbBridge section of appsettings.json.
var app = TbBridgeServerApp.Build(args);
await app.RunAsync().ConfigureAwait(false);
return 0;
