// GObject properties made from a parameter table (plugins/common/gparams.h), on a small
// element type declared here: the GParamSpecs (types, ranges, defaults, flags, enum GTypes),
// get/set through the bound Settings, checks refusing a value, statistics, hooks.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "params/params.h"
#include "plugins/common/gparams.h"

namespace {

using edge::params::Param;
using edge::params::TableBuilder;
using edge::params::Value;

enum class Speed { kSlow = 0, kFast = 1 };

struct DemoSettings {
  Speed speed = Speed::kFast;
  double size = 0.5;
  uint32_t count = 2;
  int32_t offset = -1;
  uint64_t big = 9;
  int64_t signed_big = -4;
  float gain = 0.25f;
  bool on = false;
  std::string path;
  std::string word = "ok";
  std::string strict = "a";
};

struct DemoStatistics {
  uint64_t seen = 0;
  double rate = 0.0;
};

std::string letters_only(const Value& v) {
  return v.s.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos
             ? std::string()
             : "\"" + v.s + "\" has more than letters";
}

const edge::params::Table& demo_params() {
  static const edge::params::Table table = [] {
    TableBuilder<DemoSettings, DemoStatistics> b("edgeparamsdemo", "gparams test element");
    b.choice("speed", "Speed", "How fast", &DemoSettings::speed, "GstEdgeParamsDemoSpeed",
             {{int(Speed::kSlow), "slow", "Slowly"}, {int(Speed::kFast), "fast", "Quickly"}});
    b.number("size", "Size", "Seconds", &DemoSettings::size, 0.001, 10.0);
    b.number("count", "Count", "Things", &DemoSettings::count, 1, 50);
    b.number("offset", "Offset", "Signed", &DemoSettings::offset, -5, 5)
        .flags(edge::params::kReadable | edge::params::kWritable | edge::params::kMutablePlaying);
    b.number("big", "Big", "Unsigned 64", &DemoSettings::big, 0,
             std::numeric_limits<uint64_t>::max());
    b.number("signed-big", "Signed big", "Signed 64", &DemoSettings::signed_big, -100, 100);
    b.number("gain", "Gain", "A float", &DemoSettings::gain, 0.0f, 1.0f);
    b.boolean("on", "On", "Switched on", &DemoSettings::on)
        .flags(edge::params::kReadable | edge::params::kWritable);
    b.text("path", "Path", "A file", &DemoSettings::path).nullable();
    b.text("word", "Word", "Letters", &DemoSettings::word).check(letters_only, "letters a-z");
    b.text("strict", "Strict", "Kept though invalid", &DemoSettings::strict)
        .check(letters_only, "letters a-z")
        .keep_invalid();
    b.statistic("seen", "Seen", "Values seen", &DemoStatistics::seen);
    b.statistic("rate", "Rate", "Per second", &DemoStatistics::rate);
    return b.build();
  }();
  return table;
}

struct Demo {
  GstElement parent;
  DemoSettings* settings;
  DemoStatistics* statistics;  // nullptr: "not running"
  int changes;
  int extra;  // a hand-made property beyond the table
};
struct DemoClass {
  GstElementClass parent_class;
};

GType demo_get_type();
G_DEFINE_TYPE(Demo, demo, GST_TYPE_ELEMENT)
#define DEMO(obj) (G_TYPE_CHECK_INSTANCE_CAST((obj), demo_get_type(), Demo))

void* settings_of(GObject* object) { return DEMO(object)->settings; }
const void* statistics_of(GObject* object) { return DEMO(object)->statistics; }
void changed(GObject* object, const Param&) { ++DEMO(object)->changes; }
void set_other(GObject* object, guint, const GValue* value, GParamSpec*) {
  DEMO(object)->extra = g_value_get_int(value);
}
void get_other(GObject* object, guint id, GValue* value, GParamSpec*) {
  if (id == demo_params().params.size() + 2) {  // "counts"
    g_value_take_boxed(
        value, gst_structure_new("counts", "extra", G_TYPE_INT, DEMO(object)->extra, nullptr));
    return;
  }
  g_value_set_int(value, DEMO(object)->extra);
}

const edge::gst::ParamBinding kBinding = {demo_params, settings_of, statistics_of,
                                          changed,     set_other,   get_other};

void demo_finalize(GObject* object) {
  delete DEMO(object)->settings;
  G_OBJECT_CLASS(demo_parent_class)->finalize(object);
}

void demo_class_init(DemoClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->finalize = demo_finalize;
  edge::gst::install_params(gobject_class, kBinding);
  const guint extra_id = static_cast<guint>(demo_params().params.size() + 1);
  g_object_class_install_property(
      gobject_class, extra_id,
      g_param_spec_int("extra", "Extra", "Hand-made", 0, 10, 0,
                       static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  edge::gst::install_structure_property(gobject_class, extra_id + 1, "counts", "Counts",
                                        "extra, by name");
}

void demo_init(Demo* self) {
  self->settings = new DemoSettings();
  self->statistics = nullptr;
  self->changes = 0;
  self->extra = 0;
}

// Collects g_warning messages (the default log domain) while alive.
class Warnings {
 public:
  Warnings() {
    id_ = g_log_set_handler(nullptr, G_LOG_LEVEL_WARNING, collect, &messages_);
    glib_id_ = g_log_set_handler("GLib-GObject", G_LOG_LEVEL_WARNING, collect, &messages_);
  }
  ~Warnings() {
    g_log_remove_handler(nullptr, id_);
    g_log_remove_handler("GLib-GObject", glib_id_);
  }
  std::vector<std::string> messages_;

 private:
  static void collect(const gchar*, GLogLevelFlags, const gchar* message, gpointer data) {
    static_cast<std::vector<std::string>*>(data)->push_back(message);
  }
  guint id_, glib_id_;
};

class GParams : public ::testing::Test {
 protected:
  void SetUp() override { object_ = G_OBJECT(g_object_new(demo_get_type(), nullptr)); }
  void TearDown() override { g_object_unref(object_); }
  GParamSpec* spec(const char* name) {
    GParamSpec* s = g_object_class_find_property(G_OBJECT_GET_CLASS(object_), name);
    EXPECT_NE(s, nullptr) << name;
    return s;
  }
  Demo* demo() { return DEMO(object_); }
  GObject* object_ = nullptr;
};

TEST_F(GParams, SpecsCarryTypeRangeDefaultAndFlags) {
  GParamSpecDouble* size = G_PARAM_SPEC_DOUBLE(spec("size"));
  EXPECT_STREQ(g_param_spec_get_nick(spec("size")), "Size");
  EXPECT_STREQ(g_param_spec_get_blurb(spec("size")), "Seconds");
  EXPECT_EQ(size->minimum, 0.001);
  EXPECT_EQ(size->maximum, 10.0);
  EXPECT_EQ(size->default_value, 0.5);
  GParamSpecUInt* count = G_PARAM_SPEC_UINT(spec("count"));
  EXPECT_EQ(count->minimum, 1u);
  EXPECT_EQ(count->maximum, 50u);
  EXPECT_EQ(count->default_value, 2u);
  EXPECT_EQ(G_PARAM_SPEC_INT(spec("offset"))->default_value, -1);
  EXPECT_EQ(G_PARAM_SPEC_UINT64(spec("big"))->maximum, G_MAXUINT64);
  EXPECT_EQ(G_PARAM_SPEC_INT64(spec("signed-big"))->minimum, -100);
  EXPECT_EQ(G_PARAM_SPEC_FLOAT(spec("gain"))->default_value, 0.25f);
  EXPECT_FALSE(G_PARAM_SPEC_BOOLEAN(spec("on"))->default_value);
  EXPECT_EQ(G_PARAM_SPEC_STRING(spec("path"))->default_value, nullptr);
  EXPECT_STREQ(G_PARAM_SPEC_STRING(spec("word"))->default_value, "ok");

  const unsigned setting = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  EXPECT_EQ(spec("size")->flags, setting);
  EXPECT_EQ(spec("offset")->flags,
            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  EXPECT_EQ(spec("on")->flags, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  EXPECT_EQ(spec("seen")->flags, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  EXPECT_EQ(spec("seen")->value_type, G_TYPE_UINT64);
  EXPECT_EQ(G_PARAM_SPEC_DOUBLE(spec("rate"))->maximum, G_MAXDOUBLE);
}

TEST_F(GParams, EnumsAreRegisteredOnceUnderTheirName) {
  GParamSpec* speed = spec("speed");
  EXPECT_STREQ(g_type_name(speed->value_type), "GstEdgeParamsDemoSpeed");
  EXPECT_EQ(G_PARAM_SPEC_ENUM(speed)->default_value, 1);
  GEnumClass* e = G_ENUM_CLASS(g_type_class_ref(speed->value_type));
  ASSERT_EQ(e->n_values, 2u);
  EXPECT_STREQ(e->values[0].value_nick, "slow");
  EXPECT_STREQ(e->values[0].value_name, "Slowly");
  EXPECT_EQ(e->values[1].value, 1);
  g_type_class_unref(e);
  EXPECT_EQ(edge::gst::enum_type(*demo_params().find("speed")), speed->value_type);
}

TEST_F(GParams, SetAndGetGoThroughTheSettings) {
  g_object_set(object_, "speed", 0, "size", 2.5, "count", 7u, "offset", -3, "big",
               G_GUINT64_CONSTANT(1) << 40, "signed-big", G_GINT64_CONSTANT(-99), "gain", 0.75f,
               "on", TRUE, "path", "/tmp/x", "word", "hello", nullptr);
  const DemoSettings& s = *demo()->settings;
  EXPECT_EQ(s.speed, Speed::kSlow);
  EXPECT_EQ(s.size, 2.5);
  EXPECT_EQ(s.count, 7u);
  EXPECT_EQ(s.offset, -3);
  EXPECT_EQ(s.big, uint64_t{1} << 40);
  EXPECT_EQ(s.signed_big, -99);
  EXPECT_EQ(s.gain, 0.75f);
  EXPECT_TRUE(s.on);
  EXPECT_EQ(s.path, "/tmp/x");
  EXPECT_EQ(s.word, "hello");
  EXPECT_EQ(demo()->changes, 10);

  gint speed = -1, offset = 0;
  gdouble size = 0;
  guint count = 0;
  guint64 big = 0;
  gint64 signed_big = 0;
  gfloat gain = 0;
  gboolean on = FALSE;
  gchar* path = nullptr;
  gchar* word = nullptr;
  g_object_get(object_, "speed", &speed, "size", &size, "count", &count, "offset", &offset, "big",
               &big, "signed-big", &signed_big, "gain", &gain, "on", &on, "path", &path, "word",
               &word, nullptr);
  EXPECT_EQ(speed, 0);
  EXPECT_EQ(size, 2.5);
  EXPECT_EQ(count, 7u);
  EXPECT_EQ(offset, -3);
  EXPECT_EQ(big, G_GUINT64_CONSTANT(1) << 40);
  EXPECT_EQ(signed_big, -99);
  EXPECT_EQ(gain, 0.75f);
  EXPECT_TRUE(on);
  EXPECT_STREQ(path, "/tmp/x");
  EXPECT_STREQ(word, "hello");
  g_free(path);
  g_free(word);

  // A nullable text: NULL stores "", which reads back as NULL.
  g_object_set(object_, "path", nullptr, nullptr);
  EXPECT_EQ(demo()->settings->path, "");
  g_object_get(object_, "path", &path, nullptr);
  EXPECT_EQ(path, nullptr);

  // Ids above the table's reach the element's own handlers.
  g_object_set(object_, "extra", 4, nullptr);
  gint extra = 0;
  g_object_get(object_, "extra", &extra, nullptr);
  EXPECT_EQ(extra, 4);
}

TEST_F(GParams, AStructurePropertyIsReadOnlyAndFilledByTheElement) {
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(object_), "counts");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->value_type, GST_TYPE_STRUCTURE);
  EXPECT_TRUE(spec->flags & G_PARAM_READABLE);
  EXPECT_FALSE(spec->flags & G_PARAM_WRITABLE);
  EXPECT_STREQ(g_param_spec_get_nick(spec), "Counts");
  EXPECT_STREQ(g_param_spec_get_blurb(spec), "extra, by name");
  g_object_set(object_, "extra", 3, nullptr);
  GstStructure* counts = nullptr;
  g_object_get(object_, "counts", &counts, nullptr);
  ASSERT_NE(counts, nullptr);
  gint extra = 0;
  EXPECT_TRUE(gst_structure_get_int(counts, "extra", &extra));
  EXPECT_EQ(extra, 3);
  gst_structure_free(counts);
}

TEST_F(GParams, ACheckRefusesAValueNamingIt) {
  Warnings warnings;
  g_object_set(object_, "word", "no way", nullptr);
  EXPECT_EQ(demo()->settings->word, "ok");  // kept
  ASSERT_EQ(warnings.messages_.size(), 1u);
  EXPECT_EQ(warnings.messages_[0],
            "edgeparamsdemo: refusing word=\"no way\": \"no way\" has more than letters; "
            "allowed: letters a-z");
  EXPECT_EQ(demo()->changes, 0);

  // keep_invalid: stored anyway, so the element's start can fail with its own message.
  g_object_set(object_, "strict", "b2", nullptr);
  EXPECT_EQ(demo()->settings->strict, "b2");
  ASSERT_EQ(warnings.messages_.size(), 2u);
  EXPECT_NE(warnings.messages_[1].find("invalid strict=\"b2\""), std::string::npos)
      << warnings.messages_[1];

  // Out of range: GLib refuses it before gparams sees it.
  g_object_set(object_, "count", 99u, nullptr);
  EXPECT_EQ(demo()->settings->count, 2u);
  EXPECT_EQ(warnings.messages_.size(), 3u);
}

TEST_F(GParams, StatisticsReadTheElementsCounters) {
  guint64 seen = 1;
  gdouble rate = 1;
  g_object_get(object_, "seen", &seen, "rate", &rate, nullptr);
  EXPECT_EQ(seen, 0u);  // no statistics yet: the defaults
  EXPECT_EQ(rate, 0.0);
  DemoStatistics stats;
  edge::params::publish(&stats.seen, uint64_t{42});
  stats.rate = 99.5;
  demo()->statistics = &stats;
  g_object_get(object_, "seen", &seen, "rate", &rate, nullptr);
  EXPECT_EQ(seen, 42u);
  EXPECT_EQ(rate, 99.5);
  demo()->statistics = nullptr;
}

}  // namespace
