// Writing edgestream's metadata entries into a model (nn/metadata.h has the format and the
// reader, which boards need too).
#pragma once

#include "nn/metadata.h"
#include "nn/model.h"
#include "optimize/model_draft.h"

namespace edge::optimize {

// Replaces the edgestream entries of the draft (other entries stay). Throws
// edge::Error when a label is empty or holds a line break.
void set_edge_metadata(Draft& draft, const nn::EdgeMetadata& metadata);

// A copy of model with the edgestream entries replaced.
nn::Model with_edge_metadata(const nn::Model& model, const nn::EdgeMetadata& metadata);

}  // namespace edge::optimize
