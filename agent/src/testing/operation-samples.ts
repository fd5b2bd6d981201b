/**
 * @module Real-looking outputs of operations for history tests: an OOM kill in dmesg, `df -h`
 * with one filesystem at a chosen use, and `systemctl status` of a unit that failed to start.
 */

export const DMESG_OOM = `[1123456.120331] java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
[1123456.120390] Mem-Info:
[1123456.121002] Out of memory: Killed process 48213 (java) total-vm:8123456kB, anon-rss:6234112kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:12840kB oom_score_adj:0
[1123456.201911] oom_reaper: reaped process 48213 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB`;

export const dfH = (pct: number) => `Filesystem      Size  Used Avail Use% Mounted on
tmpfs           1.6G  1.2M  1.6G   1% /run
/dev/sda1        39G   21G   17G  55% /
/dev/sdb1       492G  ${Math.round(4.92 * pct)}G  ${Math.round(4.92 * (100 - pct))}G  ${pct}% /var/lib/postgresql
tmpfs           7.8G     0  7.8G   0% /dev/shm`;

export const FAILED_NGINX_UNIT = `× nginx.service - A high performance web server and a reverse proxy server
     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; vendor preset: enabled)
     Active: failed (Result: exit-code) since Wed 2026-01-21 04:10:33 UTC; 12min ago
Jan 21 04:10:33 web-03 nginx[2211]: nginx: [emerg] bind() to 0.0.0.0:443 failed (98: Address already in use)
Jan 21 04:10:33 web-03 systemd[1]: nginx.service: Control process exited, code=exited, status=1/FAILURE
Jan 21 04:10:33 web-03 systemd[1]: Failed to start A high performance web server and a reverse proxy server.`;
