// Package killtest holds the crash test of issue 13 ("Must hold", second bullet): the real
// `bana serve` binary, run as a child process on SQLite and on PostgreSQL, is killed with
// SIGKILL at random moments of a load of VNPAY IPNs and restarted on the same database; every
// paid order must then have exactly one INCOME, every wallet's balance its postings, stock its
// history, and no IPN answered 00 may be lost. The package has no code of its own: only its test.
package killtest
