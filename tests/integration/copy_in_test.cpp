// CopyIn against the real PostgreSQL: binary COPY data inside a libpqxx transaction, and the
// exceptions and connection state a refused or abandoned COPY leaves behind.
#include "consumer/copy_in.hpp"

#include <chrono>
#include <string>

#include "consumer/binary_copy.hpp"
#include "tests/integration/stack_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono;

class CopyInTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    auto connection = connect();
    pqxx::work tx(connection);
    tx.exec0(
        "CREATE TABLE copied (n integer CHECK (n > 0), label text, at timestamptz, doc jsonb)");
    tx.commit();
  }

  static constexpr const char* kCopy = "COPY copied (n, label, at, doc) FROM STDIN (FORMAT binary)";

  // A whole stream of rows (n, "row <n>", 2000-01-01 plus n microseconds, {"n": n}).
  static std::string stream_of(std::initializer_list<std::int32_t> numbers) {
    std::string data;
    binary_copy::append_header(data);
    for (const auto n : numbers) {
      binary_copy::append_row_start(data, 4);
      binary_copy::append_int4(data, n);
      binary_copy::append_text(data, "row\t\\" + std::to_string(n));
      binary_copy::append_timestamptz(data, EventTime{sys_days{2000y / 1 / 1} + microseconds{n}});
      binary_copy::append_jsonb(data, R"({"n": )" + std::to_string(n) + "}");
    }
    binary_copy::append_trailer(data);
    return data;
  }

  std::int64_t rows_copied() const {
    return query_value<std::int64_t>("SELECT count(*) FROM copied");
  }
};

TEST_F(CopyInTest, RowsSentInAnyPiecesArriveWithinTheTransaction) {
  const std::string data = stream_of({1, 2, 300});
  auto connection = connect();
  pqxx::work tx(connection);
  CopyIn copy(tx, kCopy);
  for (std::size_t at = 0; at < data.size(); at += 7) {  // pieces that cut fields apart
    copy.send(std::string_view(data).substr(at, 7));
  }
  copy.finish();
  const auto rows = tx.exec(
      "SELECT n, label, at = timestamptz '2000-01-01 00:00:00+00' + n * interval '1 microsecond', "
      "doc = jsonb_build_object('n', n) FROM copied ORDER BY n");
  ASSERT_EQ(rows.size(), 3u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto n = rows[i][0].as<int>();
    EXPECT_EQ(rows[i][1].as<std::string>(), "row\t\\" + std::to_string(n));
    EXPECT_TRUE(rows[i][2].as<bool>()) << "timestamp of row " << n;
    EXPECT_TRUE(rows[i][3].as<bool>()) << "jsonb of row " << n;
  }
  EXPECT_EQ(rows_copied(), 0) << "not visible outside the transaction before it commits";
  tx.commit();
  EXPECT_EQ(rows_copied(), 3);
}

TEST_F(CopyInTest, ARowTheTableRefusesThrowsTheStatementsLibpqxxException) {
  auto connection = connect();
  pqxx::work tx(connection);
  CopyIn copy(tx, kCopy);
  copy.send(stream_of({1, -1}));
  EXPECT_THROW(copy.finish(), pqxx::check_violation);
  tx.abort();
  // The connection is ready for the next transaction.
  pqxx::work next(connection);
  EXPECT_EQ(next.exec1("SELECT count(*) FROM copied")[0].as<int>(), 0);
}

TEST_F(CopyInTest, AMalformedStreamIsADataException) {
  std::string data;
  binary_copy::append_header(data);
  binary_copy::append_row_start(data, 1);  // the table takes four fields
  binary_copy::append_int4(data, 1);
  binary_copy::append_trailer(data);
  auto connection = connect();
  pqxx::work tx(connection);
  CopyIn copy(tx, kCopy);
  copy.send(data);
  EXPECT_THROW(copy.finish(), pqxx::data_exception);
}

TEST_F(CopyInTest, ACopyAbandonedUnfinishedLeavesNothingAndTheConnectionUsable) {
  auto connection = connect();
  {
    pqxx::work tx(connection);
    {
      CopyIn copy(tx, kCopy);
      copy.send(stream_of({1, 2}));
    }  // no finish(): as when encoding a row throws
    EXPECT_NO_THROW(tx.abort());
  }
  pqxx::work next(connection);
  EXPECT_EQ(next.exec1("SELECT count(*) FROM copied")[0].as<int>(), 0);
  EXPECT_EQ(rows_copied(), 0);
}

TEST_F(CopyInTest, AStatementPostgresRefusesThrowsWhenTheCopyStarts) {
  auto connection = connect();
  pqxx::work tx(connection);
  EXPECT_THROW(CopyIn(tx, "COPY no_such_table (n) FROM STDIN (FORMAT binary)"), pqxx::sql_error);
}

}  // namespace
}  // namespace eventsink::testing
