// quantsim kernels (internal): quantize-to-int and dequantize-from-int
// template bodies; textual, included by qdq_simd_impl.h only (per-arch TUs).
//
// Quantize: q = QuantizeValue(x) (QdqSimdOps::Quantize), then quantize_int.cc
// SaturateTo<T>: NaN -> the zero point saturated to T (a NaN zero point ->
// 0), v <= T's min -> min, v >= T's max + 1 -> max, else trunc(v). For
// 8/16-bit T the float clamp to [min, max] then truncation gives the same;
// for int32 the conversion's out-of-range value (INT32_MIN) is right below
// and v >= 2^31 is selected to INT32_MAX.
// Dequantize: (float(q) - z) * s, float(q) exact for |q| < 2^24 and rounded
// to nearest (MXCSR default, as static_cast) above.

namespace quantsim::kernels::internal {

template <class Arch>
struct QintSimdOps : QdqSimdOps<Arch> {
  using Base = QdqSimdOps<Arch>;
  using Base::kSize;
  using typename Base::B;
  using typename Base::I;
  using typename Base::Params;

  template <typename T>
  static I Saturate(B v, B z) {
    v = xsimd::select(xsimd::isnan(v), z, v);
    v = xsimd::select(xsimd::isnan(v), B(0.0f), v);
    if constexpr (std::is_same<T, int32_t>::value) {
      // INT32_MIN ^ -1 = INT32_MAX where v >= 2^31.
      const B big =
          xsimd::select(v >= B(2147483648.0f), Base::AsFloat(I(-1)), B(0.0f));
      return xsimd::to_int(v) ^ Base::AsInt(big);
    } else {
      using L = std::numeric_limits<T>;
      const B lo(static_cast<float>(L::min())),
          hi(static_cast<float>(L::max()));
      return xsimd::to_int(
          xsimd::select(v < lo, lo, xsimd::select(v > hi, hi, v)));
    }
  }

  // Elements per block: int32 results / inputs go through an aligned stack
  // buffer, narrowed / widened by plain loops that the compiler vectorises
  // with this TU's -m flags (per-batch narrow stores followed by a wide
  // load would stall on store forwarding).
  static constexpr int64_t kBlock = 256;

  template <typename T, int kRound, bool kSoa>
  static int64_t QuantizeRun(const QdqSimdArgs& a) {
    const int64_t end = a.n - a.n % kSize;
    T* out = static_cast<T*>(a.q_out);
    Params p = Base::Broadcast(a);
    alignas(64) int32_t buf[kBlock];
    for (int64_t b = 0; b < end; b += kBlock) {
      const int64_t m = end - b < kBlock ? end - b : kBlock;
      int32_t* dst = std::is_same<T, int32_t>::value
                         ? reinterpret_cast<int32_t*>(out) + b
                         : buf;
      for (int64_t j = 0; j < m; j += kSize) {
        const int64_t k = b + j;
        p.template Load<kRound, kSoa>(a, k);
        B r;
        const B q = Base::template Quantize<kRound>(
            a, k, B::load_unaligned(a.x + k), p, &r);
        Saturate<T>(q, p.z).store_unaligned(dst + j);
      }
      if (!std::is_same<T, int32_t>::value) {
        T* o = out + b;
        if (m == kBlock) {
          for (int64_t j = 0; j < kBlock; ++j) o[j] = static_cast<T>(buf[j]);
        } else {
          for (int64_t j = 0; j < m; ++j) o[j] = static_cast<T>(buf[j]);
        }
      }
    }
    return end;
  }

  template <typename T, bool kSoa>
  static int64_t DequantizeRun(const QdqSimdArgs& a) {
    const int64_t end = a.n - a.n % kSize;
    const T* in = static_cast<const T*>(a.q_in);
    Params p = Base::Broadcast(a);
    alignas(64) int32_t buf[kBlock];
    for (int64_t b = 0; b < end; b += kBlock) {
      const int64_t m = end - b < kBlock ? end - b : kBlock;
      const int32_t* src = reinterpret_cast<const int32_t*>(in) + b;
      if (!std::is_same<T, int32_t>::value) {
        const T* i = in + b;
        if (m == kBlock) {
          for (int64_t j = 0; j < kBlock; ++j) buf[j] = i[j];
        } else {
          for (int64_t j = 0; j < m; ++j) buf[j] = i[j];
        }
        src = buf;
      }
      for (int64_t j = 0; j < m; j += kSize) {
        p.template Load<0, kSoa>(a, b + j);
        const B q = xsimd::to_float(I::load_unaligned(src + j));
        ((q - p.z) * p.s).store_unaligned(a.y + b + j);
      }
    }
    return end;
  }

  template <typename T>
  static int64_t QuantizeT(const QdqSimdArgs& a) {
    const bool soa = a.soa_scale != nullptr;
    switch (a.rounding) {
      case 0:
        return soa ? QuantizeRun<T, 0, true>(a) : QuantizeRun<T, 0, false>(a);
      case 1:
        return soa ? QuantizeRun<T, 1, true>(a) : QuantizeRun<T, 1, false>(a);
      default:
        return soa ? QuantizeRun<T, 2, true>(a) : QuantizeRun<T, 2, false>(a);
    }
  }
  template <typename T>
  static int64_t DequantizeT(const QdqSimdArgs& a) {
    return a.soa_scale != nullptr ? DequantizeRun<T, true>(a)
                                  : DequantizeRun<T, false>(a);
  }

  static int64_t Quantize(const QdqSimdArgs& a) {
    switch (a.int_type) {
      case kInt8:
        return QuantizeT<int8_t>(a);
      case kUint8:
        return QuantizeT<uint8_t>(a);
      case kInt16:
        return QuantizeT<int16_t>(a);
      case kUint16:
        return QuantizeT<uint16_t>(a);
      default:
        return QuantizeT<int32_t>(a);
    }
  }
  static int64_t Dequantize(const QdqSimdArgs& a) {
    switch (a.int_type) {
      case kInt8:
        return DequantizeT<int8_t>(a);
      case kUint8:
        return DequantizeT<uint8_t>(a);
      case kInt16:
        return DequantizeT<int16_t>(a);
      case kUint16:
        return DequantizeT<uint16_t>(a);
      default:
        return DequantizeT<int32_t>(a);
    }
  }
};

}  // namespace quantsim::kernels::internal
