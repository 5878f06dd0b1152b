#include "vault/base/status.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  VAULT_ASSIGN_OR_RETURN(int h, Half(x));
  VAULT_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkIsFreeAndCopies) {
  Status s;
  EXPECT_TRUE(s.ok());
  Status c = Status::Corruption("bad");
  Status d = c;
  EXPECT_EQ(d.code(), Code::kCorruption);
  EXPECT_EQ(d.ToString(), "corruption: bad");
  EXPECT_EQ(std::move(d).WithContext("ctx").message(), "ctx: bad");
}

TEST(StatusTest, ResultPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(StatusTest, FromErrnoMapsCodes) {
  EXPECT_EQ(Status::FromErrno(ENOENT, "open", "/x").code(), Code::kNotFound);
  EXPECT_EQ(Status::FromErrno(ENOSPC, "write", "/x").code(), Code::kResourceExhausted);
  EXPECT_EQ(Status::FromErrno(EIO, "read", "/x").code(), Code::kIoError);
}

}  // namespace
}  // namespace vault
