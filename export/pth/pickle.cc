#include "export/pth/pickle.h"

#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace quantsim::pth {
namespace {

using engine::DType;

class Vm {
 public:
  Vm(absl::string_view data, const std::string& name, PickleArena* arena)
      : d_(data), name_(name), arena_(arena) {}

  size_t position() const { return pos_; }  // after Run: bytes used

  absl::StatusOr<PickleObj*> Run() {
    while (true) {
      op_pos_ = pos_;
      if (pos_ >= d_.size()) return Err("data ends without a STOP opcode");
      const uint8_t op = static_cast<uint8_t>(d_[pos_++]);
      absl::Status s = Step(op);
      if (!s.ok()) return s;
      if (op == '.') {
        if (stack_.empty()) return Err("STOP with an empty stack");
        return stack_.back();
      }
    }
  }

 private:
  absl::Status Err(const std::string& what) const {
    return absl::DataLossError(
        absl::StrCat(name_, ": ", what, " at offset ", op_pos_));
  }
  bool Need(uint64_t n) const { return n <= d_.size() - pos_; }
  absl::Status Read(uint64_t n, absl::string_view* out) {
    if (!Need(n)) return Err(absl::StrCat("truncated operand (", n, " bytes)"));
    *out = d_.substr(pos_, n);
    pos_ += n;
    return absl::OkStatus();
  }
  absl::Status ReadLe(int n, uint64_t* v) {
    absl::string_view b;
    absl::Status s = Read(n, &b);
    if (!s.ok()) return s;
    *v = 0;
    for (int i = n - 1; i >= 0; --i)
      *v = (*v << 8) | static_cast<uint8_t>(b[i]);
    return absl::OkStatus();
  }
  PickleObj* Push(PickleKind kind) {
    PickleObj* o = arena_->New(kind);
    stack_.push_back(o);
    return o;
  }
  absl::Status Pop(PickleObj** o) {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) {
      return Err("stack underflow");
    }
    *o = stack_.back();
    stack_.pop_back();
    return absl::OkStatus();
  }
  absl::Status Top(PickleKind kind, PickleObj** o) {
    if (stack_.empty()) return Err("stack underflow");
    *o = stack_.back();
    if ((*o)->kind != kind) {
      return Err(absl::StrCat("expected a ", PickleObj{kind}.TypeName(),
                              " on the stack, found ", (*o)->TypeName()));
    }
    return absl::OkStatus();
  }
  absl::Status PopMark(std::vector<PickleObj*>* items) {
    if (marks_.empty()) return Err("no MARK on the stack");
    const size_t m = marks_.back();
    marks_.pop_back();
    items->assign(stack_.begin() + m, stack_.end());
    stack_.resize(m);
    return absl::OkStatus();
  }
  absl::Status PushString(int len_bytes, PickleKind kind) {
    uint64_t n;
    absl::string_view b;
    absl::Status s = ReadLe(len_bytes, &n);
    if (s.ok()) s = Read(n, &b);
    if (!s.ok()) return s;
    Push(kind)->s = std::string(b);
    return absl::OkStatus();
  }
  absl::Status PushInt(int64_t v) {
    Push(PickleKind::kInt)->i = v;
    return absl::OkStatus();
  }
  absl::Status Memo(uint64_t key) {
    if (stack_.empty()) return Err("memo store with an empty stack");
    memo_[key] = stack_.back();
    return absl::OkStatus();
  }
  absl::Status Get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) return Err(absl::StrCat("memo key ", key, " unset"));
    stack_.push_back(it->second);
    return absl::OkStatus();
  }
  absl::Status Global(absl::string_view module, absl::string_view name);
  absl::Status Reduce();
  absl::Status PersistentLoad();
  absl::Status Step(uint8_t op);

  absl::string_view d_;
  const std::string& name_;
  PickleArena* arena_;
  size_t pos_ = 0, op_pos_ = 0;
  std::vector<PickleObj*> stack_;
  std::vector<size_t> marks_;
  absl::flat_hash_map<uint64_t, PickleObj*> memo_;
};

absl::Status Vm::Global(absl::string_view module, absl::string_view name) {
  PickleObj* g = arena_->New(PickleKind::kGlobal);
  bool ok = true;
  if (module == "collections" && name == "OrderedDict") {
    g->global = PickleGlobal::kOrderedDict;
  } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
    g->global = PickleGlobal::kRebuildTensorV2;
  } else if (module == "torch._utils" && name == "_rebuild_parameter") {
    g->global = PickleGlobal::kRebuildParameter;
  } else if (module == "torch._utils" &&
             name == "_rebuild_parameter_with_state") {
    g->global = PickleGlobal::kRebuildParameterWithState;
  } else {
    g->global = PickleGlobal::kStorageType;
    ok = module == "torch" && TorchStorageDType(name, &g->dtype);
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        name_, ": pickle global '", module, ".", name, "' at offset ", op_pos_,
        " is not allowed (a state_dict needs only collections.OrderedDict, "
        "torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and "
        "torch.<T>Storage); refusing to load it"));
  }
  stack_.push_back(g);
  return absl::OkStatus();
}

absl::Status Vm::Reduce() {
  PickleObj *args = nullptr, *fn = nullptr;
  absl::Status s = Pop(&args);
  if (s.ok()) s = Pop(&fn);
  if (!s.ok()) return s;
  if (fn->kind != PickleKind::kGlobal || args->kind != PickleKind::kTuple) {
    return Err(absl::StrCat("REDUCE of ", fn->TypeName(), " with ",
                            args->TypeName(), " arguments"));
  }
  const std::vector<PickleObj*>& a = args->items;
  auto ints = [](const PickleObj* t, std::vector<int64_t>* out) {
    if (t->kind != PickleKind::kTuple) return false;
    for (const PickleObj* x : t->items) {
      if (x->kind != PickleKind::kInt) return false;
      out->push_back(x->i);
    }
    return true;
  };
  switch (fn->global) {
    case PickleGlobal::kOrderedDict:
      if (!a.empty()) return Err("OrderedDict() with arguments");
      Push(PickleKind::kDict);
      return absl::OkStatus();
    case PickleGlobal::kRebuildTensorV2: {
      // (storage, offset, size, stride, requires_grad, hooks[, metadata])
      PickleObj* t = arena_->New(PickleKind::kTensor);
      if ((a.size() != 6 && a.size() != 7) ||
          a[0]->kind != PickleKind::kStorage ||
          a[1]->kind != PickleKind::kInt || !ints(a[2], &t->sizes) ||
          !ints(a[3], &t->strides) || t->sizes.size() != t->strides.size()) {
        return Err(
            "_rebuild_tensor_v2 arguments are not (storage, offset, size, "
            "stride, requires_grad, hooks)");
      }
      t->storage = a[0];
      t->dtype = a[0]->dtype;
      t->offset = a[1]->i;
      stack_.push_back(t);
      return absl::OkStatus();
    }
    case PickleGlobal::kRebuildParameter:
    case PickleGlobal::kRebuildParameterWithState:
      if (a.size() < 3 || a[0]->kind != PickleKind::kTensor) {
        return Err("_rebuild_parameter arguments are not (tensor, ...)");
      }
      stack_.push_back(a[0]);
      return absl::OkStatus();
    case PickleGlobal::kStorageType:
      break;
  }
  return Err("REDUCE of a storage type");
}

absl::Status Vm::PersistentLoad() {
  PickleObj* pid = nullptr;
  absl::Status s = Pop(&pid);
  if (!s.ok()) return s;
  const std::vector<PickleObj*>& a = pid->items;
  // torch >= 1.6 writes 5 items; the legacy format adds view metadata.
  if (pid->kind != PickleKind::kTuple || (a.size() != 5 && a.size() != 6) ||
      a[0]->kind != PickleKind::kString || a[0]->s != "storage" ||
      a[1]->kind != PickleKind::kGlobal ||
      a[1]->global != PickleGlobal::kStorageType ||
      a[2]->kind != PickleKind::kString || a[3]->kind != PickleKind::kString ||
      a[4]->kind != PickleKind::kInt || a[4]->i < 0) {
    return Err(
        "persistent id is not ('storage', torch.<T>Storage, key, location, "
        "numel)");
  }
  if (a.size() == 6 && a[5]->kind != PickleKind::kNone) {
    return absl::UnimplementedError(absl::StrCat(
        name_, ": storage view metadata (pre-1.0 torch) at offset ", op_pos_,
        " is not supported"));
  }
  PickleObj* st = Push(PickleKind::kStorage);
  st->dtype = a[1]->dtype;
  st->s = a[2]->s;
  st->i = a[4]->i;
  return absl::OkStatus();
}

absl::Status Vm::Step(uint8_t op) {
  uint64_t n = 0;
  absl::Status s;
  PickleObj *o = nullptr, *k = nullptr, *v = nullptr;
  std::vector<PickleObj*> items;
  switch (op) {
    case 0x80:  // PROTO
      s = ReadLe(1, &n);
      if (s.ok() && n > 5) return Err(absl::StrCat("pickle protocol ", n));
      return s;
    case 0x95:  // FRAME
      return ReadLe(8, &n);
    case '.':  // STOP
      return absl::OkStatus();
    case '(':
      marks_.push_back(stack_.size());
      return absl::OkStatus();
    case '0':  // POP
      return Pop(&o);
    case '1':  // POP_MARK
      return PopMark(&items);
    case '2':  // DUP
      if (stack_.empty()) return Err("DUP of an empty stack");
      stack_.push_back(stack_.back());
      return absl::OkStatus();
    case '}':
      Push(PickleKind::kDict);
      return absl::OkStatus();
    case ']':
      Push(PickleKind::kList);
      return absl::OkStatus();
    case ')':
      Push(PickleKind::kTuple);
      return absl::OkStatus();
    case 0x8f:  // EMPTY_SET
      Push(PickleKind::kSet);
      return absl::OkStatus();
    case 't':
    case 'l':
      s = PopMark(&items);
      if (s.ok())
        Push(op == 't' ? PickleKind::kTuple : PickleKind::kList)->items = items;
      return s;
    case 0x85:
    case 0x86:
    case 0x87:  // TUPLE1..3
      items.resize(op - 0x84);
      for (size_t i = items.size(); i-- > 0 && s.ok();) s = Pop(&items[i]);
      if (s.ok()) Push(PickleKind::kTuple)->items = items;
      return s;
    case 'd':
    case 'u':  // DICT, SETITEMS
      s = PopMark(&items);
      if (!s.ok()) return s;
      if (items.size() % 2) return Err("odd number of dict items");
      if (op == 'd') {
        Push(PickleKind::kDict);
      }
      s = Top(PickleKind::kDict, &o);
      for (size_t i = 0; s.ok() && i < items.size(); i += 2)
        o->dict.emplace_back(items[i], items[i + 1]);
      return s;
    case 's':  // SETITEM
      s = Pop(&v);
      if (s.ok()) s = Pop(&k);
      if (s.ok()) s = Top(PickleKind::kDict, &o);
      if (s.ok()) o->dict.emplace_back(k, v);
      return s;
    case 'a':  // APPEND
      s = Pop(&v);
      if (s.ok()) s = Top(PickleKind::kList, &o);
      if (s.ok()) o->items.push_back(v);
      return s;
    case 'e':
    case 0x90:  // APPENDS, ADDITEMS
      s = PopMark(&items);
      if (s.ok()) s = Top(op == 'e' ? PickleKind::kList : PickleKind::kSet, &o);
      if (s.ok()) o->items.insert(o->items.end(), items.begin(), items.end());
      return s;
    case 'X':
      return PushString(4, PickleKind::kString);
    case 0x8c:  // SHORT_BINUNICODE
    case 'U':   // SHORT_BINSTRING
      return PushString(1, PickleKind::kString);
    case 0x8d:  // BINUNICODE8
      return PushString(8, PickleKind::kString);
    case 'T':  // BINSTRING
      return PushString(4, PickleKind::kString);
    case 'B':
      return PushString(4, PickleKind::kBytes);
    case 'C':
      return PushString(1, PickleKind::kBytes);
    case 0x8e:  // BINBYTES8
      return PushString(8, PickleKind::kBytes);
    case 'J':
      s = ReadLe(4, &n);
      return s.ok() ? PushInt(static_cast<int32_t>(static_cast<uint32_t>(n)))
                    : s;
    case 'K':
      s = ReadLe(1, &n);
      return s.ok() ? PushInt(static_cast<int64_t>(n)) : s;
    case 'M':
      s = ReadLe(2, &n);
      return s.ok() ? PushInt(static_cast<int64_t>(n)) : s;
    case 0x8a: {  // LONG1
      uint64_t len;
      s = ReadLe(1, &len);
      if (!s.ok()) return s;
      if (len > 8) return Err("integer wider than 64 bits");
      if (len == 0) return PushInt(0);
      s = ReadLe(static_cast<int>(len), &n);
      if (!s.ok()) return s;
      if (len < 8 && (n >> (8 * len - 1)) & 1) n |= ~uint64_t{0} << (8 * len);
      return PushInt(static_cast<int64_t>(n));
    }
    case 'G': {  // BINFLOAT, big-endian
      absl::string_view b;
      s = Read(8, &b);
      if (!s.ok()) return s;
      for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<uint8_t>(b[i]);
      double x;
      std::memcpy(&x, &n, 8);
      Push(PickleKind::kFloat)->f = x;
      return absl::OkStatus();
    }
    case 'N':
      Push(PickleKind::kNone);
      return absl::OkStatus();
    case 0x88:
    case 0x89:
      Push(PickleKind::kBool)->b = op == 0x88;
      return absl::OkStatus();
    case 'c': {  // GLOBAL "module\nname\n"
      const size_t a = d_.find('\n', pos_);
      const size_t b = a == absl::string_view::npos ? a : d_.find('\n', a + 1);
      if (b == absl::string_view::npos) return Err("unterminated GLOBAL");
      absl::string_view module = d_.substr(pos_, a - pos_),
                        name = d_.substr(a + 1, b - a - 1);
      pos_ = b + 1;
      return Global(module, name);
    }
    case 0x93:  // STACK_GLOBAL
      s = Pop(&v);
      if (s.ok()) s = Pop(&k);
      if (!s.ok()) return s;
      if (k->kind != PickleKind::kString || v->kind != PickleKind::kString) {
        return Err("STACK_GLOBAL of non-strings");
      }
      return Global(k->s, v->s);
    case 'R':
      return Reduce();
    case 'b':  // BUILD: state of an OrderedDict (e.g. _metadata) is kept
      s = Pop(&v);
      if (s.ok()) s = Top(PickleKind::kDict, &o);
      if (s.ok() && v->kind != PickleKind::kDict &&
          v->kind != PickleKind::kNone) {
        return Err(absl::StrCat("BUILD with a ", v->TypeName(), " state"));
      }
      return s;
    case 'q':
      s = ReadLe(1, &n);
      return s.ok() ? Memo(n) : s;
    case 'r':
      s = ReadLe(4, &n);
      return s.ok() ? Memo(n) : s;
    case 0x94:  // MEMOIZE
      return Memo(memo_.size());
    case 'h':
      s = ReadLe(1, &n);
      return s.ok() ? Get(n) : s;
    case 'j':
      s = ReadLe(4, &n);
      return s.ok() ? Get(n) : s;
    case 'Q':
      return PersistentLoad();
    default:
      break;
  }
  return absl::DataLossError(absl::StrFormat(
      "%s: unsupported pickle opcode 0x%02x at offset %d", name_, op, op_pos_));
}

}  // namespace

std::string PickleObj::TypeName() const {
  static constexpr const char* kNames[] = {
      "None", "bool", "int", "float",  "str",     "bytes", "tuple",
      "list", "dict", "set", "global", "storage", "tensor"};
  return kNames[static_cast<int>(kind)];
}

PickleObj* PickleArena::New(PickleKind kind) {
  objects_.push_back(std::make_unique<PickleObj>());
  objects_.back()->kind = kind;
  return objects_.back().get();
}

absl::StatusOr<PickleObj*> Unpickle(absl::string_view data,
                                    const std::string& name, PickleArena* arena,
                                    size_t* consumed) {
  Vm vm(data, name, arena);
  absl::StatusOr<PickleObj*> out = vm.Run();
  if (consumed != nullptr) *consumed = vm.position();
  return out;
}

}  // namespace quantsim::pth
