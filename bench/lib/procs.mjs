// Process facts from /proc (Linux): CPU time of a server's process group, and the process groups this
// process started (so the runner can stop what a scenario left running).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const TICKS_PER_SECOND = 100;

/** {pid, ppid, pgrp, cpuTicks} of every live process, or null off Linux. */
function processes() {
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const out = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the parenthesised command name: state ppid pgrp ... utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]), cpuTicks: Number(fields[11]) + Number(fields[12]) });
  }
  return out;
}

/** User + system CPU milliseconds of every live process in process group `pgid`, or null off Linux. */
export function groupCpuMs(pgid) {
  const all = processes();
  if (!all) return null;
  const ticks = all.filter((p) => p.pgrp === pgid).reduce((sum, p) => sum + p.cpuTicks, 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * Kills (SIGKILL) the process groups of this process's children that lead their own group, e.g.
 * a `wrangler dev` a scenario started detached and did not stop. Returns the group ids killed.
 */
export function killChildGroups() {
  const groups = (processes() ?? []).filter((p) => p.ppid === process.pid && p.pgrp === p.pid).map((p) => p.pgrp);
  for (const pgrp of groups) {
    try {
      process.kill(-pgrp, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return groups;
}

/** TCP ports on which the given process listens (from /proc/net/tcp and its socket fds). */
export function listeningPorts(pid) {
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]);
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    return [];
  }
  const ports = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[3] === "0A" && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(":")[1], 16));
  }
  return ports;
}
