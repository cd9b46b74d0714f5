using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TbBridge.Internal;

internal static partial class HistogramBuilder
{
    /// <summary>Min, max, count, sum and sum of squares of the finite values, and the non-finite counts.</summary>
    internal readonly record struct Stats(double Min, double Max, long Num, double Sum, double SumSquares, long Nan, long PosInf, long NegInf)
    {
        internal long NonFinite => Nan + PosInf + NegInf;

        internal static Stats Of(ReadOnlySpan<float> values)
        {
            if (!TryVector(values, out var stats))
            {
                stats = Scalar(values);
            }

            return stats;
        }

        internal static Stats Of(ReadOnlySpan<double> values)
        {
            if (!TryVector(values, out var stats))
            {
                stats = Scalar(values);
            }

            return stats;
        }

        // Fast path: one vectorised pass over values that are all finite. Returns false, having computed
        // nothing usable, as soon as it meets a NaN or an infinity.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // rare calls: skip tier-0 for the hot loop
        private static bool TryVector(ReadOnlySpan<float> values, out Stats stats)
        {
            stats = default;
            if (values.IsEmpty)
            {
                return true;
            }

            var sumLo = Vector<double>.Zero;
            var sumHi = Vector<double>.Zero;
            var sqLo = Vector<double>.Zero;
            var sqHi = Vector<double>.Zero;
            var min = new Vector<float>(float.PositiveInfinity);
            var max = new Vector<float>(float.NegativeInfinity);
            var exponent = new Vector<int>(0x7F800000);
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            const int Block = 1024;
            for (int start = 0; start < vectors.Length; start += Block)
            {
                var bad = Vector<int>.Zero;
                int end = Math.Min(vectors.Length, start + Block);
                for (int i = start; i < end; i++)
                {
                    var v = vectors[i];
                    bad |= Vector.Equals(Vector.AsVectorInt32(v) & exponent, exponent);
                    min = Vector.Min(min, v);
                    max = Vector.Max(max, v);
                    Vector.Widen(v, out var lo, out var hi);
                    sumLo += lo;
                    sumHi += hi;
                    sqLo += lo * lo;
                    sqHi += hi * hi;
                }

                if (bad != Vector<int>.Zero)
                {
                    return false;
                }
            }

            double sum = Vector.Sum(sumLo + sumHi);
            double sq = Vector.Sum(sqLo + sqHi);
            double mn = double.PositiveInfinity;
            double mx = double.NegativeInfinity;
            for (int l = 0; l < Vector<float>.Count; l++)
            {
                mn = Math.Min(mn, min[l]);
                mx = Math.Max(mx, max[l]);
            }

            for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
            {
                double d = values[i];
                if (!double.IsFinite(d))
                {
                    return false;
                }

                sum += d;
                sq += d * d;
                mn = Math.Min(mn, d);
                mx = Math.Max(mx, d);
            }

            stats = new Stats(mn, mx, values.Length, sum, sq, 0, 0, 0);
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // rare calls: skip tier-0 for the hot loop
        private static bool TryVector(ReadOnlySpan<double> values, out Stats stats)
        {
            stats = default;
            if (values.IsEmpty)
            {
                return true;
            }

            var sum0 = Vector<double>.Zero;
            var sum1 = Vector<double>.Zero;
            var sq0 = Vector<double>.Zero;
            var sq1 = Vector<double>.Zero;
            var min = new Vector<double>(double.PositiveInfinity);
            var max = new Vector<double>(double.NegativeInfinity);
            var exponent = new Vector<long>(0x7FF0000000000000);
            var vectors = MemoryMarshal.Cast<double, Vector<double>>(values);
            const int Block = 1024;
            int pairs = vectors.Length & ~1;
            for (int start = 0; start < pairs; start += Block)
            {
                var bad = Vector<long>.Zero;
                int end = Math.Min(pairs, start + Block);
                for (int i = start; i < end; i += 2)
                {
                    var a = vectors[i];
                    var b = vectors[i + 1];
                    bad |= Vector.Equals(Vector.AsVectorInt64(a) & exponent, exponent) | Vector.Equals(Vector.AsVectorInt64(b) & exponent, exponent);
                    min = Vector.Min(min, Vector.Min(a, b));
                    max = Vector.Max(max, Vector.Max(a, b));
                    sum0 += a;
                    sum1 += b;
                    sq0 += a * a;
                    sq1 += b * b;
                }

                if (bad != Vector<long>.Zero)
                {
                    return false;
                }
            }

            double sum = Vector.Sum(sum0 + sum1);
            double sq = Vector.Sum(sq0 + sq1);
            double mn = double.PositiveInfinity;
            double mx = double.NegativeInfinity;
            for (int l = 0; l < Vector<double>.Count; l++)
            {
                mn = Math.Min(mn, min[l]);
                mx = Math.Max(mx, max[l]);
            }

            for (int i = pairs * Vector<double>.Count; i < values.Length; i++)
            {
                double d = values[i];
                if (!double.IsFinite(d))
                {
                    return false;
                }

                sum += d;
                sq += d * d;
                mn = Math.Min(mn, d);
                mx = Math.Max(mx, d);
            }

            stats = new Stats(mn, mx, values.Length, sum, sq, 0, 0, 0);
            return true;
        }

        private static Stats Scalar(ReadOnlySpan<float> values)
        {
            var acc = new Accumulator();
            foreach (float v in values)
            {
                acc.Add(v);
            }

            return acc.ToStats();
        }

        private static Stats Scalar(ReadOnlySpan<double> values)
        {
            var acc = new Accumulator();
            foreach (double v in values)
            {
                acc.Add(v);
            }

            return acc.ToStats();
        }
    }

    private struct Accumulator
    {
        private double _min;
        private double _max;
        private long _num;
        private double _sum;
        private double _sq;
        private long _nan;
        private long _posInf;
        private long _negInf;

        public Accumulator()
        {
            _min = double.PositiveInfinity;
            _max = double.NegativeInfinity;
        }

        public void Add(double v)
        {
            if (double.IsFinite(v))
            {
                _num++;
                _sum += v;
                _sq += v * v;
                _min = Math.Min(_min, v);
                _max = Math.Max(_max, v);
            }
            else if (double.IsNaN(v))
            {
                _nan++;
            }
            else if (v > 0)
            {
                _posInf++;
            }
            else
            {
                _negInf++;
            }
        }

        public readonly Stats ToStats() => _num == 0
            ? new Stats(0, 0, 0, 0, 0, _nan, _posInf, _negInf)
            : new Stats(_min, _max, _num, _sum, _sq, _nan, _posInf, _negInf);
    }
}
