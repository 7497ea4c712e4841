// Target names come from profiles (appliance.target), so any text reaches
// the target loader: a name no file can have is an error that names it,
// never an exception (found by fuzz_profile: a 300-byte bochs-... name made
// std::filesystem::exists throw ENAMETOOLONG).
#include <gtest/gtest.h>

#include <string>

#include "parse/target_file.h"

namespace {
TEST(TargetFile, ANameNoFileCanHaveIsAnErrorNotACrash) {
  for (const std::string name : {"bochs-" + std::string(300, 'x'), std::string(5000, 'y'), std::string("bochs-\xff\xfe")}) {
    std::string error;
    std::optional<configgen::model::Target> t;
    EXPECT_NO_THROW(t = configgen::parse::load_target(name, error));
    EXPECT_FALSE(t.has_value());
    EXPECT_NE(error.find("cannot load target"), std::string::npos) << error;
  }
}
}  // namespace
