import { createClient } from "@libsql/client";

const url = "file:/tmp/t1/dbg.db";
const a = createClient({ url, timeout: 300 });
await a.execute("PRAGMA journal_mode=WAL");
await a.execute("create table if not exists t(x)");
const locker = createClient({ url });
const tx = await locker.transaction("write");
await tx.execute("insert into t values (1)");
try {
  await a.batch(["insert into t values (2)", "insert into t values (3)"], "write");
} catch (e) {
  console.log("1st", String(e));
}
await tx.rollback();
locker.close();
for (let i = 0; i < 4; i++) {
  try {
    await a.batch(["insert into t values (4)"], "write");
    console.log("batch ok");
  } catch (e) {
    console.log("batch", String(e));
  }
}
console.log((await a.execute("select count(*) n from t")).rows[0]);
