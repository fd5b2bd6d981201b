/**
 * @module Secret-masking cases for the tests: per pattern, inputs it must mask (with what
 * they become) and near misses it must leave alone; realistic output holding no secret;
 * and seeded random mixes of all of them, secrets glued to one another and to options.
 */

const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const GH = "ghp_R2d2C3poBb8Kx7Qw9Zt4Lm6Np1Vs5Hy0Ju3E";

/** [pattern that fires, input, masked]: the named pattern alone changes the input. */
export const POSITIVE: [string, string, string][] = [
  [
    "private-key-block",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nq7BFUV0=\n-----END RSA PRIVATE KEY-----\nok",
    "-----BEGIN RSA PRIVATE KEY-----\n***\n-----END RSA PRIVATE KEY-----\nok",
  ],
  [
    "private-key-block",
    "$ cat ~/.ssh/id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nBG5vbmUAAAA",
    "$ cat ~/.ssh/id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\n***",
  ],
  [
    "private-key-block",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\r\nMIIFHzBJBgkq\r\n-----END ENCRYPTED PRIVATE KEY-----",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\r\n***\r\n-----END ENCRYPTED PRIVATE KEY-----",
  ],
  [
    "json-secret-field",
    '{"type": "service_account", "private_key_id": "4f2a9c", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN\\n-----END PRIVATE KEY-----\\n", "client_email": "ci@p.iam.gserviceaccount.com"}',
    '{"type": "service_account", "private_key_id": "4f2a9c", "private_key": "***", "client_email": "ci@p.iam.gserviceaccount.com"}',
  ],
  [
    "json-secret-field",
    '"Credentials": {"AccessKeyId": "ASIA***", "SecretAccessKey": "9drTJvcXLB89EXAMPLE\\"q", "SessionToken": "FwoGZXIvYXdzEBY"}',
    '"Credentials": {"AccessKeyId": "ASIA***", "SecretAccessKey": "***", "SessionToken": "***"}',
  ],
  [
    "yaml-secret-line",
    "db:\n  host: db1\n  password: s3cret phrase # prod\n  - api_key: 'abc'\n",
    "db:\n  host: db1\n  password: ***\n  - api_key: ***\n",
  ],
  ["yaml-secret-line", "ca.crt:     1099 bytes\ntoken:      s.Qf1s5Ub", "ca.crt:     1099 bytes\ntoken:      ***"],
  [
    "authorization-header",
    `curl -H 'Authorization: token ${GH}' https://api`,
    "curl -H 'Authorization: token ***' https://api",
  ],
  ["authorization-header", "Authorization: Basic ZGVwbG95OnMzY3IzdA==", "Authorization: Basic ***"],
  ["authorization-header", '{"Authorization": "Bearer 1f3870be274f"}', '{"Authorization": "Bearer ***"}'],
  ["bearer-token", "sent bearer 1f3870be274f6c49b3e3 to the API", "sent bearer *** to the API"],
  ["secret-header", 'curl -H "X-Api-Key: 5d41402abc4b" https://api', 'curl -H "X-Api-Key: ***" https://api'],
  ["secret-header", "PRIVATE-TOKEN: glpat-x7Rk2", "PRIVATE-TOKEN: ***"],
  ["long-password-flag", "mysql --user=app --password=s3cret app", "mysql --user=app --password=*** app"],
  [
    "long-password-flag",
    "docker login --password 'p@ss w0rd' reg.example.com",
    "docker login --password '***' reg.example.com",
  ],
  ["long-password-flag", "gpg --batch --passphrase s3cret -d f.gpg", "gpg --batch --passphrase *** -d f.gpg"],
  [
    "single-dash-password-option",
    "keytool -importkeystore -srcstorepass changeit -deststorepass s3cret",
    "keytool -importkeystore -srcstorepass *** -deststorepass ***",
  ],
  [
    "single-dash-password-option",
    "openssl pkcs12 -export -passout pass:s3cret",
    "openssl pkcs12 -export -passout pass:***",
  ],
  ["single-dash-password-option", "plink -pw s3cret root@web1", "plink -pw *** root@web1"],
  ["mysql-p", "mysql -u root -pS3cret! -e 'show databases'", "mysql -u root -p*** -e 'show databases'"],
  ["mysql-p", 'sudo mariadb-dump -p"s3 cret" app | gzip > a.gz', 'sudo mariadb-dump -p"***" app | gzip > a.gz'],
  ["sshpass-p", "sshpass -p 's3cret' ssh -p 2222 deploy@web1", "sshpass -p '***' ssh -p 2222 deploy@web1"],
  ["sshpass-p", "sshpass -v -ps3cret scp a web1:", "sshpass -v -p*** scp a web1:"],
  [
    "mongo-p",
    "mongodump -u admin -p s3cret --authenticationDatabase admin",
    "mongodump -u admin -p *** --authenticationDatabase admin",
  ],
  ["redis-cli-a", "redis-cli -h cache -a s3cret ping", "redis-cli -h cache -a *** ping"],
  ["ldap-w", "ldapsearch -x -D cn=admin,dc=ex -w s3cret -b dc=ex", "ldapsearch -x -D cn=admin,dc=ex -w *** -b dc=ex"],
  ["registry-login-p", "docker login -u ci -p s3cret reg.example.com", "docker login -u ci -p *** reg.example.com"],
  ["curl-user", "curl -fsS -u deploy:s3cret https://ci/api", "curl -fsS -u deploy:*** https://ci/api"],
  ["curl-user", "curl --user 'ops:p@ss w' https://ci", "curl --user 'ops:***' https://ci"],
  ["htpasswd-batch", "htpasswd -bc /etc/nginx/.htpasswd admin s3cret", "htpasswd -bc /etc/nginx/.htpasswd admin ***"],
  [
    "htpasswd-batch",
    "htpasswd -nbB admin s3cret 2>/dev/null >> .htpasswd",
    "htpasswd -nbB admin *** 2>/dev/null >> .htpasswd",
  ],
  ["chpasswd", "echo 'deploy:s3cret' | sudo chpasswd", "echo 'deploy:***' | sudo chpasswd"],
  ["secret-assignment", "export MYSQL_ROOT_PASSWORD=s3cret", "export MYSQL_ROOT_PASSWORD=***"],
  ["secret-assignment", "PGPASSWORD='s3 cret' MYSQL_PWD=x psql -h db", "PGPASSWORD='***' MYSQL_PWD=*** psql -h db"],
  ["secret-assignment", "GET /v1/x?api_key=abc123&page=2&token=t0k", "GET /v1/x?api_key=***&page=2&token=***"],
  [
    "secret-assignment",
    "mount -o username=svc,password=s3cret //nas/s /mnt",
    "mount -o username=svc,password=*** //nas/s /mnt",
  ],
  ["secret-assignment", `aws_secret_access_key = ${AWS_SECRET}`, "aws_secret_access_key = ***"],
  [
    "sql-password",
    `mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY 's3cret'"`,
    `mysql -e "CREATE USER 'app'@'%' IDENTIFIED BY '***'"`,
  ],
  ["sql-password", `psql -c "ALTER ROLE app WITH PASSWORD 's3cret'"`, `psql -c "ALTER ROLE app WITH PASSWORD '***'"`],
  ["sql-password", "SET PASSWORD FOR 'app'@'%' = 's3cret';", "SET PASSWORD FOR 'app'@'%' = '***';"],
  [
    "url-credentials",
    "git clone https://deploy:t0k3n@git.example.com/x.git",
    "git clone https://deploy:***@git.example.com/x.git",
  ],
  [
    "url-credentials",
    "redis://:s3cret@cache:6379/0 postgresql://app:p@ss@db/app",
    "redis://:***@cache:6379/0 postgresql://app:***@db/app",
  ],
  ["aws-access-key-id", "aws_access_key_id=AKIAIOSFODNN7EXAMPLE", "aws_access_key_id=AKIA***"],
  [
    "aws-secret-access-key",
    `aws configure set aws_secret_access_key ${AWS_SECRET}`,
    "aws configure set aws_secret_access_key ***",
  ],
  ["gcp-api-key", "maps?key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe&q=x", "maps?key=AIza***&q=x"],
  ["github-token", `remote: ${GH} github_pat_11ABCDEFG0_abcdefghijklmnopqrstuv`, "remote: ghp_*** github_pat_***"],
  ["slack-token", "SLACK=xoxb-1234567890-0987654321-AbCdEfGh", "SLACK=xoxb-***"],
  ["jwt", `jwt ${JWT} ok`, "jwt *** ok"],
];

/** [pattern, near misses it must leave alone]: nothing masks them. */
export const NEGATIVE: [string, string][] = [
  [
    "private-key-block",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PUBLIC KEY-----\nMFkw",
  ],
  ["json-secret-field", '{"token_type": "Bearer", "expires_in": 3600, "password": null, "secret": ""}'],
  [
    "yaml-secret-line",
    "passwd: password updated successfully\nPassword: \npassword_min_length: 12\nsecretName: app-tls",
  ],
  ["authorization-header", 'WWW-Authenticate: Basic realm="api"\nauthorization failed for user bob'],
  ["bearer-token", 'Bearer realm="registry.example.com"\nerror: bearer token required\nBearer authentication'],
  ["secret-header", "error: invalid token: expired\nContent-Type: application/json\nX-Request-Id: 7f3a"],
  [
    "long-password-flag",
    "docker login --password-stdin -u ci\npsql --no-password -h db app\nansible-playbook --ask-pass site.yml\nkubeadm init --token-ttl 0",
  ],
  ["single-dash-password-option", "openssl rsa -passin env:KEY_PASS -in k.pem\nfind / -path '*/.ssh/*' -print"],
  ["mysql-p", "mysql -u root -p app\nmysql -h db -P 3306 -u app -p\nmysql --port=3306 --protocol=tcp"],
  ["sshpass-p", "sshpass -e ssh -p 2222 web1\nsshpass -f ~/.pw ssh -p 22 web1"],
  ["mongo-p", "mongosh -u admin -p --authenticationDatabase admin\nmongosh --port 27017"],
  ["redis-cli-a", "redis-cli -h cache -p 6379 --askpass ping\nredis-cli --no-auth-warning info"],
  ["ldap-w", "ldapsearch -x -D cn=admin -W -b dc=ex\nldapwhoami -x -H ldap://ldap1"],
  ["registry-login-p", "docker run -p 8080:80 nginx\ndocker login -u ci --password-stdin reg"],
  ["curl-user", "curl -u deploy https://ci\ncurl --user-agent 'a:b' https://x\ndocker run -u 1000:1000 alpine id"],
  ["htpasswd-batch", "htpasswd -c /etc/nginx/.htpasswd admin\nhtpasswd -v .htpasswd admin"],
  ["chpasswd", "echo 'deploy:x' | tee users.txt\nsudo chpasswd < users.txt"],
  [
    "secret-assignment",
    'PWD=/root OLDPWD=/ HOME=/root\nmax_tokens=512 BYPASS_CACHE=1 password_min_length=12\nPASSWORD=""\n[ "$a" == "b" ]',
  ],
  ["sql-password", "ALTER ROLE app PASSWORD NULL;\nALTER USER 'app'@'%' PASSWORD EXPIRE;\npassword_reuse_interval"],
  ["url-credentials", "https://example.com:8443/p?a=b@c\nssh://git@github.com:22/org/r.git\ngit@github.com:org/r.git"],
  ["aws-access-key-id", "AIDAJQABLZS4A3QDU576Q AKIAshort akiaiosfodnn7example"],
  ["aws-secret-access-key", "aws configure get aws_secret_access_key\naws_secret_access_key_id abc"],
  ["gcp-api-key", "AIzaShort AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQeTooLong"],
  ["github-token", "ghp_short\ne83c5163316f89bfbde7d9ab23ca2e25604af290"],
  ["slack-token", "xoxo-hugs xoxb-123"],
  ["jwt", "eyJhbGciOiJIUzI1NiJ9\necho eyJrZXkiOiJ2YWx1ZSJ9 | base64 -d\neyJ.a.b"],
];

export const ORDINARY_TEXT = [
  "Filesystem      Size  Used Avail Use% Mounted on",
  "/dev/sda1        20G  7.1G   12G  38% /",
  "[1234567.890123] Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:4012345kB, UID:1001",
  "[1234567.891000] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,task=java,pid=4242,uid=1001",
  "apt-get install -y nginx",
  "Setting up nginx (1.18.0-6ubuntu14.4) ...",
  "ssh -p 2222 deploy@web1 uptime",
  "mkdir -p /srv/app/releases && cp -p app.tar.gz /srv/app/ && ls -p /srv/app",
  "docker run -d -p 8080:80 --name web nginx:1.25",
  'sudo -p "[sudo] password for %u: " sh -c "systemctl restart nginx"',
  "e83c516 Merge branch 'fix/token-refresh' into main",
  "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
  "Author: Ada <ada@example.com>",
  "c4ca4238a0b923820dcc509a6f75849b  /etc/hosts",
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /srv/app/app.tar.gz",
  "id: 550e8400-e29b-41d4-a716-446655440000",
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE ada@laptop",
  "[sudo] password for deploy:",
  "Enter passphrase for key '/root/.ssh/id_ed25519':",
  "mysql: [Warning] Using a password on the command line interface can be insecure.",
  "systemctl restart mysql && journalctl -u mysql -n 50",
  "curl -sS https://example.com:8443/health?probe=1",
  "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
].join("\n");

/** `count` texts of six random pieces (cases and glue), the same for a given seed. */
export function secretMixes(count: number, seed = 42): string[] {
  const glue = [" ", "", "\n", "--password ", "-storepass ", "Authorization: ", "'", "=", "|", "-p", ":"];
  const parts = [...POSITIVE.map(([, input]) => input), ...NEGATIVE.map(([, input]) => input), ...glue];
  let state = seed;
  const pick = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return parts[state % parts.length] ?? "";
  };
  return Array.from({ length: count }, () => Array.from({ length: 6 }, pick).join(""));
}
