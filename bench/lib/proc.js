// Process trees and their memory, from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** pid -> parent pid of every process visible now. */
function parents() {
  const map = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields after the last ')' are safe.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      map.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return map;
}

/** The pid and all its descendants (a node:cluster's workers, for one). */
export function processTree(rootPid) {
  const map = parents();
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of map) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** A `Vm...:` field of /proc/<pid>/status in KiB, or 0 when the process is gone. */
export function statusKiB(pid, field) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) used so far by a process tree, in milliseconds (clock ticks of 10 ms). */
export function cpuMs(rootPid) {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      // The process ended while we looked.
    }
  }
  return ticks * 10;
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/**
 * Polls the summed resident memory (VmRSS) of a process tree. The tree is looked up again every
 * second, so workers that start or restart are counted. Also keeps every pid it saw, for clean-up.
 */
export class RssSampler {
  constructor(rootPid, intervalMs = 100) {
    this.rootPid = rootPid;
    this.intervalMs = intervalMs;
    this.peakKiB = 0;
    this.peakProcesses = 0;
    this.seen = new Set([rootPid]);
    this.tree = [rootPid];
    this.timer = undefined;
    this.ticks = 0;
  }

  start() {
    this.peakKiB = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample() {
    if (this.ticks++ % Math.max(1, Math.round(1000 / this.intervalMs)) === 0) {
      this.tree = processTree(this.rootPid);
      for (const pid of this.tree) this.seen.add(pid);
    }
    let sum = 0;
    for (const pid of this.tree) sum += statusKiB(pid, 'VmRSS');
    if (sum > this.peakKiB) {
      this.peakKiB = sum;
      this.peakProcesses = this.tree.length;
    }
  }

  /** Stops and returns the peak summed RSS in KiB since start(). */
  stop() {
    clearInterval(this.timer);
    this.sample();
    return this.peakKiB;
  }
}
