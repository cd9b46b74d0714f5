using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TbBridge.Internal;

/// <summary>
/// TensorFlow's default bucket limits and lookup tables that find a value's bucket without a binary
/// search. A table entry covers the values that share sign, exponent and the top four mantissa bits:
/// such a range spans a factor of at most 17/16, less than the ×1.1 between limits, so it holds at most
/// one limit and one comparison finishes the search. The result equals
/// <see cref="HistogramBuckets.FindBucket"/> for every finite value below <see cref="double.MaxValue"/>
/// (the caller sends <see cref="double.MaxValue"/> itself to the binary search).
/// </summary>
internal static class DefaultBucketTable
{
    private const int FloatShift = 19;   // 32 - 1 sign - 8 exponent - 4 mantissa bits
    private const int DoubleShift = 48;  // 64 - 1 sign - 11 exponent - 4 mantissa bits

    internal static readonly double[] LimitsArray = BuildLimits();

    // For a positive key: index of the first limit above the smallest value of the range.
    // For a negative key: that index minus one, so both signs finish with the same comparison.
    private static readonly ushort[] s_floatTable = BuildTable(1 << (32 - FloatShift), k => BitConverter.UInt32BitsToSingle((uint)k << FloatShift));
    private static readonly ushort[] s_doubleTable = BuildTable(1 << (64 - DoubleShift), k => BitConverter.UInt64BitsToDouble((ulong)k << DoubleShift));

    internal static ReadOnlySpan<double> Limits => LimitsArray;

    internal static ushort[] FloatTable => s_floatTable;

    internal static ushort[] DoubleTable => s_doubleTable;

    /// <summary>Bucket of a finite float.</summary>
    internal static int Bucket(float value) =>
        Bucket(value, ref MemoryMarshal.GetArrayDataReference(s_floatTable), ref MemoryMarshal.GetArrayDataReference(LimitsArray));

    /// <summary>Bucket of a finite double below <see cref="double.MaxValue"/>.</summary>
    internal static int Bucket(double value) =>
        Bucket(value, ref MemoryMarshal.GetArrayDataReference(s_doubleTable), ref MemoryMarshal.GetArrayDataReference(LimitsArray));

    /// <summary>Bucket of a finite float, given <see cref="FloatTable"/> and the limits as references (hot loops hoist them).</summary>
    /// <remarks>
    /// Unchecked reads: a 32-bit pattern shifted right by 19 indexes the 2^13-entry table, and every entry
    /// is a valid index into the limits (proven by construction and by the tests).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Bucket(float value, ref ushort floatTable, ref double limits)
    {
        int t = Unsafe.Add(ref floatTable, (nint)(BitConverter.SingleToUInt32Bits(value) >> FloatShift));
        return t + Unsafe.BitCast<bool, byte>((double)value >= Unsafe.Add(ref limits, t));
    }

    /// <summary>Bucket of a finite double below <see cref="double.MaxValue"/>, given <see cref="DoubleTable"/> and the limits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Bucket(double value, ref ushort doubleTable, ref double limits)
    {
        int t = Unsafe.Add(ref doubleTable, (nint)(BitConverter.DoubleToUInt64Bits(value) >> DoubleShift));
        return t + Unsafe.BitCast<bool, byte>(value >= Unsafe.Add(ref limits, t));
    }

    private static double[] BuildLimits()
    {
        // Same arithmetic as TensorFlow's InitDefaultBuckets and PyTorch's default_bins.
        var positive = new List<double>();
        double v = 1.0e-12;
        while (v < 1.0e20)
        {
            positive.Add(v);
            v *= 1.1;
        }

        var limits = new double[(2 * positive.Count) + 3];
        limits[0] = -double.MaxValue;
        for (int i = 0; i < positive.Count; i++)
        {
            limits[positive.Count - i] = -positive[i];
            limits[positive.Count + 2 + i] = positive[i];
        }

        limits[positive.Count + 1] = 0.0;
        limits[^1] = double.MaxValue;
        return limits;
    }

    private static ushort[] BuildTable(int size, Func<int, double> magnitudeOfKey)
    {
        var table = new ushort[size];
        int half = size / 2;
        int last = LimitsArray.Length - 1;
        for (int k = 0; k < half; k++)
        {
            double lo = magnitudeOfKey(k);
            if (double.IsNaN(lo) || double.IsInfinity(lo))
            {
                continue; // non-finite values never reach the table; 0 keeps any lookup in range
            }

            int up = UpperBound(lo);
            table[k] = (ushort)Math.Min(up, last);
            int upNeg = UpperBound(-lo);
            table[half + k] = (ushort)Math.Clamp(upNeg - 1, 0, last);
        }

        return table;
    }

    private static int UpperBound(double value)
    {
        int lo = 0;
        int hi = LimitsArray.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (LimitsArray[mid] > value)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }
}
