using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using TbBridge.Protocol.V1;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// An ingest service, on a real Kestrel server, that hangs on its first call (reads 'open', never answers: a
/// service stuck behind a dead disk or a lost request body), then answers every later call and acks each batch.
/// </summary>
internal sealed class StallOnceIngestService : IngestService.IngestServiceBase
{
    private int _calls;
    private long _points;

    public int Calls => Volatile.Read(ref _calls);

    public long Points => Interlocked.Read(ref _points);

    public TaskCompletionSource FirstCallCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<WebApplication> StartAsync(StallOnceIngestService service)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<StallOnceIngestService>();
        await app.StartAsync();
        return app;
    }

    public override async Task Ingest(IAsyncStreamReader<IngestRequest> requestStream, IServerStreamWriter<IngestResponse> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext())
        {
            return;
        }

        if (Interlocked.Increment(ref _calls) == 1)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                FirstCallCancelled.TrySetResult();
            }

            return;
        }

        await responseStream.WriteAsync(new IngestResponse { Opened = new StreamOpened { LastSequence = 0 } });
        while (await requestStream.MoveNext())
        {
            var batch = requestStream.Current.Batch;
            Interlocked.Add(ref _points, batch.Scalars.TagIndex.Count);
            await responseStream.WriteAsync(new IngestResponse { Ack = new Ack { Sequence = batch.Sequence } });
        }
    }
}
