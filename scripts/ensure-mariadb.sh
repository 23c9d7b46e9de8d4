#!/usr/bin/env sh
# Makes sure a MySQL-family server answers at ELDERFLOW_MYSQL_URL (default the machine's MariaDB,
# mysql://root@127.0.0.1:3306/test) for the MySQL store tests. Starts the local mariadbd when it is
# installed and not running; otherwise says what is missing and fails (the tests never skip).
set -eu
URL="${ELDERFLOW_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
ping() {
  node -e '
    const mysql = require("mysql2/promise");
    mysql.createConnection({ uri: process.argv[1], connectTimeout: 2000 })
      .then(async (c) => { const [r] = await c.query("select version() as v"); console.log("mariadb: " + r[0].v); await c.end(); })
      .catch((e) => { console.error("mariadb: " + e.message); process.exit(1); });
  ' "$URL"
}
if ping 2>/dev/null; then exit 0; fi
if [ -n "${ELDERFLOW_MYSQL_URL:-}" ]; then
  echo "mariadb: nothing answers at ELDERFLOW_MYSQL_URL" >&2
  ping
  exit 1
fi
if command -v start-stop-daemon >/dev/null 2>&1 && [ -x /usr/sbin/mariadbd ]; then
  echo "mariadb: not running, starting /usr/sbin/mariadbd"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  i=0
  while [ $i -lt 60 ]; do
    if ping 2>/dev/null; then
      mariadb -uroot -e "create database if not exists test" 2>/dev/null || true
      exit 0
    fi
    i=$((i + 1))
    sleep 1
  done
fi
echo "mariadb: no server at $URL; install MariaDB (apt-get install -y mariadb-server) or set ELDERFLOW_MYSQL_URL" >&2
ping
exit 1
