using System.Buffers.Binary;
using System.Text;
using TbBridge.Events.Protos;

namespace TbBridge.Events.Internal;

/// <summary>Reads the numbers and strings of a <c>TensorProto</c>, from its typed fields or its raw content.</summary>
internal static class TensorValues
{
    public static double[] ReadDoubles(TensorProto tensor)
    {
        var raw = tensor.TensorContent.Span;
        switch (tensor.Dtype)
        {
            case DataType.DtFloat:
                return tensor.FloatVal.Count > 0
                    ? tensor.FloatVal.Select(static v => (double)v).ToArray()
                    : Decode(raw, sizeof(float), static b => BinaryPrimitives.ReadSingleLittleEndian(b));
            case DataType.DtDouble:
                return tensor.DoubleVal.Count > 0
                    ? [.. tensor.DoubleVal]
                    : Decode(raw, sizeof(double), static b => BinaryPrimitives.ReadDoubleLittleEndian(b));
            case DataType.DtHalf:
                return tensor.HalfVal.Count > 0
                    ? tensor.HalfVal.Select(static v => (double)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray()
                    : Decode(raw, 2, static b => (double)BinaryPrimitives.ReadHalfLittleEndian(b));
            case DataType.DtBfloat16:
                return tensor.HalfVal.Count > 0
                    ? tensor.HalfVal.Select(static v => (double)BitConverter.Int32BitsToSingle(v << 16)).ToArray()
                    : Decode(raw, 2, static b => (double)BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16));
            case DataType.DtInt32:
            case DataType.DtInt16:
            case DataType.DtInt8:
            case DataType.DtUint8:
            case DataType.DtUint16:
                return tensor.IntVal.Count > 0
                    ? tensor.IntVal.Select(static v => (double)v).ToArray()
                    : tensor.Dtype == DataType.DtInt32 ? Decode(raw, 4, static b => BinaryPrimitives.ReadInt32LittleEndian(b)) : [];
            case DataType.DtInt64:
                return tensor.Int64Val.Count > 0
                    ? tensor.Int64Val.Select(static v => (double)v).ToArray()
                    : Decode(raw, 8, static b => BinaryPrimitives.ReadInt64LittleEndian(b));
            case DataType.DtBool:
                return tensor.BoolVal.Select(static v => v ? 1.0 : 0.0).ToArray();
            default:
                return [];
        }
    }

    public static string ReadText(TensorProto tensor) =>
        string.Join("\n", tensor.StringVal.Select(static s => Encoding.UTF8.GetString(s.Span)));

    private delegate double ElementReader(ReadOnlySpan<byte> bytes);

    private static double[] Decode(ReadOnlySpan<byte> raw, int size, ElementReader read)
    {
        var values = new double[raw.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = read(raw.Slice(i * size, size));
        }

        return values;
    }
}
