/** Child process for library.test.ts: holds the write lock of an index for a while, like a second writer. */
import Database from 'better-sqlite3';

const [file, ms] = process.argv.slice(2);
const db = new Database(file!);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
}, Number(ms));
