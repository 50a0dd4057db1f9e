#include "optimize/model_draft.h"

#include <algorithm>
#include <utility>

#include "common/error.h"

namespace edge::optimize {

int32_t Draft::add(DraftTensor tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int32_t>(tensors.size() - 1);
}

DraftMetadata* Draft::find_metadata(const std::string& name) {
  for (DraftMetadata& entry : metadata) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

void Draft::set_metadata(const std::string& name, const std::string& bytes) {
  DraftMetadata* entry = find_metadata(name);
  if (!entry) {
    metadata.push_back(DraftMetadata{name, {}});
    entry = &metadata.back();
  }
  entry->data.assign(bytes.begin(), bytes.end());
}

void Draft::remove_metadata(const std::string& name) {
  metadata.erase(std::remove_if(metadata.begin(), metadata.end(),
                                [&](const DraftMetadata& e) { return e.name == name; }),
                 metadata.end());
}

void remove_unused_tensors(Draft& draft) {
  std::vector<bool> used(draft.tensors.size(), false);
  auto mark = [&](const std::vector<int32_t>& list) {
    for (int32_t i : list) {
      if (i >= 0 && static_cast<size_t>(i) < used.size()) used[static_cast<size_t>(i)] = true;
    }
  };
  for (const nn::Operator& op : draft.operators) {
    mark(op.inputs);
    mark(op.outputs);
    mark(op.intermediates);
  }
  mark(draft.inputs);
  mark(draft.outputs);
  std::vector<int32_t> remap(draft.tensors.size(), -1);
  std::vector<DraftTensor> kept;
  for (size_t i = 0; i < draft.tensors.size(); ++i) {
    if (!used[i]) continue;
    remap[i] = static_cast<int32_t>(kept.size());
    kept.push_back(std::move(draft.tensors[i]));
  }
  auto apply = [&](std::vector<int32_t>& list) {
    for (int32_t& i : list) {
      if (i >= 0) i = remap[static_cast<size_t>(i)];
    }
  };
  for (nn::Operator& op : draft.operators) {
    apply(op.inputs);
    apply(op.outputs);
    apply(op.intermediates);
  }
  apply(draft.inputs);
  apply(draft.outputs);
  draft.tensors = std::move(kept);
}

Draft draft_from(const nn::Model& model) {
  Draft draft;
  draft.source = model.source();
  draft.description = model.description();
  draft.tensors.reserve(model.tensors().size());
  for (const nn::Tensor& t : model.tensors()) {
    DraftTensor d;
    d.tensor = t;
    d.tensor.data = nullptr;
    d.tensor.data_bytes = 0;
    if (t.is_constant && t.data) d.data.assign(t.data, t.data + t.data_bytes);
    draft.tensors.push_back(std::move(d));
  }
  draft.operators = model.operators();
  draft.inputs = model.inputs();
  draft.outputs = model.outputs();
  for (const nn::MetadataEntry& entry : model.metadata()) {
    draft.metadata.push_back(
        DraftMetadata{entry.name, std::vector<uint8_t>(entry.data, entry.data + entry.size)});
  }
  return draft;
}

nn::Model build(const Draft& draft) {
  nn::Model model;
  model.set_source(draft.source);
  model.set_description(draft.description);
  for (size_t i = 0; i < draft.tensors.size(); ++i) {
    const DraftTensor& d = draft.tensors[i];
    nn::Tensor t = d.tensor;
    t.data = nullptr;
    t.data_bytes = 0;
    if (t.is_constant) {
      if (d.data.size() != t.byte_size()) {
        throw Error(msg(draft.source, ": tensor ", i, " \"", t.name, "\" ", dtype_name(t.type), ' ',
                        shape_to_string(t.shape), " needs ", t.byte_size(), " bytes, has ",
                        d.data.size()));
      }
      model.add_constant(std::move(t), d.data.data(), d.data.size());
    } else {
      model.add_tensor(std::move(t));
    }
  }
  for (const nn::Operator& op : draft.operators) model.add_operator(op);
  model.set_inputs(draft.inputs);
  model.set_outputs(draft.outputs);
  for (const DraftMetadata& entry : draft.metadata) {
    nn::MetadataEntry e;
    e.name = entry.name;
    e.size = entry.data.size();
    e.data = e.size ? model.adopt_bytes(entry.data.data(), e.size) : nullptr;
    model.add_metadata(std::move(e));
  }
  model.validate();
  return model;
}

}  // namespace edge::optimize
