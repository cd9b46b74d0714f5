using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TbBridge.Protocol.V1;

namespace TbBridge.Server.Tests.Infrastructure;

/// <summary>
/// The ingest method called with raw message bytes (a marshaller over byte[] on /tbbridge.v1.IngestService/Ingest),
/// so a test can send what no generated client would: bytes that are not an IngestRequest.
/// </summary>
internal sealed class RawIngestCall : IDisposable
{
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(b => b, b => b);
    private static readonly Method<byte[], byte[]> s_ingest = new(MethodType.DuplexStreaming, "tbbridge.v1.IngestService", "Ingest", s_bytes, s_bytes);
    private readonly AsyncDuplexStreamingCall<byte[], byte[]> _call;

    public RawIngestCall(GrpcChannel channel, Metadata? headers = null)
    {
        _call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(s_ingest, null, new CallOptions(headers));
    }

    /// <summary>Bytes protobuf cannot parse: a field tag of 0 is invalid.</summary>
    public static byte[] Garbage { get; } = [0x00, 0x01, 0x02, 0x03];

    public Task SendAsync(byte[] message) => _call.RequestStream.WriteAsync(message);

    public Task SendAsync(IMessage message) => SendAsync(message.ToByteArray());

    /// <summary>The next response, parsed; null when the call ended cleanly.</summary>
    public async Task<IngestResponse?> ReadAsync()
    {
        return await _call.ResponseStream.MoveNext(CancellationToken.None) ? IngestResponse.Parser.ParseFrom(_call.ResponseStream.Current) : null;
    }

    /// <summary>Reads responses until the call ends; returns how it ended (null: OK).</summary>
    public async Task<RpcException?> WaitForEndAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)))
            {
            }

            return null;
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }

    public void Dispose() => _call.Dispose();
}
