#include "dcopt/data/glue_task.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

using ::testing::HasSubstr;

TEST(GlueTask, TableHoldsTheGlueTasks) {
  EXPECT_EQ(glue_task_names(), (std::vector<std::string>{"cola", "sst2", "mrpc", "stsb", "qqp",
                                                         "mnli", "qnli", "rte", "wnli"}));
  for (const std::string& name : glue_task_names()) {
    const GlueTask t = glue_task(name);
    EXPECT_EQ(t.name, name);
    EXPECT_NO_THROW(validate_glue_task(t)) << name;
    EXPECT_FALSE(t.dev_metrics.empty()) << name;
    ASSERT_TRUE(t.unlabeled.has_value()) << name;
  }
}

TEST(GlueTask, LabelsAndMetricsPerTask) {
  const GlueTask qnli = glue_task("qnli");
  EXPECT_EQ(qnli.classes, (std::vector<std::string>{"entailment", "not_entailment"}));
  EXPECT_TRUE(qnli.is_pair());
  EXPECT_EQ(qnli.dev_metrics, (std::vector<GlueMetric>{GlueMetric::accuracy}));
  const GlueTask mrpc = glue_task("mrpc");
  EXPECT_EQ(mrpc.dev_metrics, (std::vector<GlueMetric>{GlueMetric::accuracy, GlueMetric::f1}));
  EXPECT_EQ(mrpc.labeled.label->name, "Quality");
  EXPECT_EQ(glue_task("qqp").dev_metrics,
            (std::vector<GlueMetric>{GlueMetric::accuracy, GlueMetric::f1}));
  EXPECT_EQ(glue_task("cola").dev_metrics, (std::vector<GlueMetric>{GlueMetric::matthews}));
  EXPECT_FALSE(glue_task("cola").labeled.header);
  const GlueTask stsb = glue_task("stsb");
  EXPECT_EQ(stsb.label_kind, LabelKind::regression);
  EXPECT_TRUE(stsb.classes.empty());
  EXPECT_EQ(stsb.dev_metrics, (std::vector<GlueMetric>{GlueMetric::pearson, GlueMetric::spearman}));
  EXPECT_EQ(glue_task("mnli").num_classes(), 3u);
  EXPECT_FALSE(glue_task("sst2").is_pair());
  EXPECT_EQ(to_string(GlueMetric::matthews), "matthews");
}

TEST(GlueTask, NamesAreMatchedLoosely) {
  EXPECT_EQ(glue_task("SST-2").name, "sst2");
  EXPECT_EQ(glue_task("STS_B").name, "stsb");
  EXPECT_EQ(glue_task("MNLI").name, "mnli");
}

TEST(GlueTask, UnknownTaskListsValidNames) {
  try {
    glue_task("sst3");
    ADD_FAILURE() << "accepted an unknown task";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown GLUE task 'sst3'; valid tasks: cola, sst2, mrpc, "
                                    "stsb, qqp, mnli, qnli, rte, wnli"));
  }
}

TEST(GlueTask, CustomTaskValidation) {
  GlueTask t;
  t.name = "mine";
  t.labeled.a = TsvColumn::named("text");
  EXPECT_THAT(
      [&] {
        try {
          validate_glue_task(t);
        } catch (const InvalidArgument& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      HasSubstr("task 'mine': the labeled layout has no label column"));
  t.labeled.label = TsvColumn::named("y");
  t.classes = {"a"};
  EXPECT_THROW(validate_glue_task(t), InvalidArgument);  // one class
  t.classes = {"a", "a"};
  EXPECT_THROW(validate_glue_task(t), InvalidArgument);  // repeated
  t.classes = {"a", "b"};
  EXPECT_NO_THROW(validate_glue_task(t));
  t.labeled.columns = 2;
  t.labeled.header = false;
  t.labeled.a = TsvColumn::at(2);
  t.labeled.label = TsvColumn::at(0);
  EXPECT_THROW(validate_glue_task(t), InvalidArgument);  // position beyond columns
  t.labeled.a = TsvColumn::at(1);
  EXPECT_NO_THROW(validate_glue_task(t));
  t.label_kind = LabelKind::regression;
  EXPECT_THROW(validate_glue_task(t), InvalidArgument);  // regression with classes
}

}  // namespace
}  // namespace dcopt
