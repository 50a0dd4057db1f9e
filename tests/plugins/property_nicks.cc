// Prints, for every element of the edgestream plugin, each property it installs (not the
// inherited ones) with what gst-inspect-1.0 does not show: its nick and its raw flags.
// tests/plugins/inspect_golden.sh appends this to gst-inspect-1.0's output for the golden.
#include <gst/gst.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  GList* features = gst_registry_get_feature_list_by_plugin(gst_registry_get(), "edgestream");
  std::vector<std::string> names;
  for (GList* f = features; f; f = f->next)
    if (GST_IS_ELEMENT_FACTORY(f->data)) names.push_back(gst_plugin_feature_get_name(f->data));
  gst_plugin_feature_list_free(features);
  if (names.empty()) {
    std::fprintf(stderr, "property_nicks: the edgestream plugin has no elements (not found?)\n");
    return 1;
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    GstElement* element = gst_element_factory_make(name.c_str(), nullptr);
    if (!element) {
      std::fprintf(stderr, "property_nicks: cannot make %s\n", name.c_str());
      return 1;
    }
    guint n = 0;
    GParamSpec** specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(element), &n);
    std::vector<GParamSpec*> own;
    for (guint i = 0; i < n; ++i)
      if (specs[i]->owner_type == G_OBJECT_TYPE(element)) own.push_back(specs[i]);
    std::sort(own.begin(), own.end(), [](GParamSpec* a, GParamSpec* b) {
      return std::string(g_param_spec_get_name(a)) < g_param_spec_get_name(b);
    });
    for (GParamSpec* spec : own)
      std::printf("%s.%s nick=\"%s\" flags=0x%x value-type=%s\n", name.c_str(),
                  g_param_spec_get_name(spec), g_param_spec_get_nick(spec),
                  static_cast<unsigned>(spec->flags), g_type_name(spec->value_type));
    g_free(specs);
    gst_object_unref(element);
  }
  gst_deinit();
  return 0;
}
