// COPY ... FROM STDIN with data the caller has encoded itself, inside a libpqxx transaction (the
// sink) or on a plain libpq connection (the benchmark's ceiling).
//
// Why not libpqxx: 6.4 (Debian 12's) can only send COPY data through tablewriter or stream_to,
// which speak the text format and end every piece they send with a newline; the binary format
// (binary_copy.hpp) must arrive byte for byte. So CopyIn drives libpq's COPY calls on the
// transaction's own connection, which libpqxx 6.4 hands out to large-object classes only: the
// rows land inside the caller's transaction, before its next statement.
//
// Contract: between construction and finish() (or destruction) nothing else may use the
// transaction or its connection. Errors surface as libpqxx's exceptions, chosen by SQLSTATE as
// libpqxx itself chooses them (pqxx::data_exception for a value PostgreSQL refuses,
// pqxx::broken_connection for a lost connection, ...), so callers handle them as they handle any
// statement's. After an error the transaction is aborted, as after any failed statement.
//
// Thread-safety: as the transaction's: one thread at a time.
#pragma once

#include <string>
#include <string_view>

#include <libpq-fe.h>
#include <pqxx/pqxx>

namespace eventsink {

class CopyIn {
 public:
  // Starts `copy_statement` ("COPY table (columns) FROM STDIN ...") in `tx`.
  CopyIn(pqxx::dbtransaction& tx, const std::string& copy_statement);
  // The same on a plain libpq connection (the benchmark's ceiling), which must outlive this.
  CopyIn(PGconn* connection, const std::string& copy_statement);
  // Abandons a COPY that was not finished (PostgreSQL discards its rows and fails the statement),
  // so that the connection is ready for the transaction's rollback.
  ~CopyIn();
  CopyIn(const CopyIn&) = delete;
  CopyIn& operator=(const CopyIn&) = delete;

  // Sends `data`, any piece of the stream: rows need not be whole ("buffer-load boundaries have
  // no semantic significance", libpq's PQputCopyData). libpq buffers what the socket does not
  // take at once.
  void send(std::string_view data);

  // Ends the stream and waits for PostgreSQL's verdict on it.
  void finish();

 private:
  PGconn* connection_;
  std::string statement_;  // for error messages
  bool open_ = false;
};

}  // namespace eventsink
