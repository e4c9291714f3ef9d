import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseSplat, parseSplats, type ParsedSplat } from '../../../src/engine/lockdep/splat/parse';
import { runSplatCli, type CliIo } from '../../../scripts/splat';

const FIXTURES = new URL('../../fixtures/splats/', import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

const fixtureNames = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .sort();

/** Scenario rows as "cpu:op(class)"; "!" marks rows taken inside <Interrupt>. */
function rowsOf(s: ParsedSplat): string[] | null {
  return (
    s.scenario?.rows.map((r) =>
      r.op === '<Interrupt>' ? `${r.cpu}:<Interrupt>` : `${r.cpu}:${r.inInterrupt ? '!' : ''}${r.op}(${r.class})`,
    ) ?? null
  );
}

function taskOf(s: ParsedSplat): string | null {
  return s.task ? `${s.task.comm}/${s.task.pid}` : null;
}

interface Expected {
  file: string;
  /** Which report of the file (several files hold more than one). */
  report?: number;
  type: ParsedSplat['type'];
  classes: string[];
  task: string | null;
  /** heldLocks.count as printed, and the number of distinct #N entries. */
  held: [number | null, number];
  rows: string[] | null;
  check?: (s: ParsedSplat) => void;
}

const CIRCULAR_2 = (a: string, b: string): string[] => [`0:lock(${a})`, `1:lock(${b})`, `1:lock(${a})`, `0:lock(${b})`];
const IRQ_ROWS = (unsafe: string, safe: string, middle: string = unsafe): string[] => [
  `0:lock(${unsafe})`,
  '1:local_irq_disable()',
  `1:lock(${safe})`,
  `1:lock(${middle})`,
  '0:<Interrupt>',
  `0:!lock(${safe})`,
];

const EXPECTED: Expected[] = [
  {
    file: '01-exfat-mmap-lock-invalidate-lock-circular.txt',
    type: 'circular',
    classes: ['&mm->mmap_lock', 'mapping.invalidate_lock#3', '&sbi->s_lock'],
    task: 'syz-executor181/5187',
    held: [3, 3],
    rows: ['0:lock(&sbi->s_lock)', '1:lock(mapping.invalidate_lock#3)', '1:lock(&sbi->s_lock)', '0:rlock(&mm->mmap_lock)'],
    check: (s) => {
      expect(s.chain.map((e) => e.index)).toEqual([2, 1, 0]);
      expect(s.chainExists).toEqual(s.classes);
      expect(s.chain[1]).toMatchObject({ class: 'mapping.invalidate_lock#3', usage: '.+.+', waitType: '{3:3}' });
      expect(s.chain[1]?.frames.slice(0, 3)).toEqual(['down_read', 'filemap_invalidate_lock_shared', 'filemap_fault']);
      expect(s.acquiring).toMatchObject({ usage: '++++', waitType: '{3:3}', at: 'do_user_addr_fault', pid: 5187 });
      expect(s.alreadyHolding?.at).toBe('exfat_iterate');
      expect(s.kernel).toEqual({ version: '6.4.0-rc5-syzkaller-00002-gf8dba31b0a82', build: '#0', tainted: 'Not tainted' });
      expect(s.cpu).toBe(0);
      expect(s.stack.slice(0, 3)).toEqual(['__dump_stack', 'dump_stack_lvl', 'check_noncircular']);
      expect(s.raw.split('\n')[1]).toBe('WARNING: possible circular locking dependency detected');
    },
  },
  {
    file: '03-kvm-gmem-invalidate-lock-slots-lock-abridged.txt',
    type: 'circular',
    classes: ['&kvm->slots_lock', 'mapping.invalidate_lock#4'],
    task: null,
    held: [null, 0],
    rows: CIRCULAR_2('mapping.invalidate_lock#4', '&kvm->slots_lock'),
    check: (s) => {
      expect(s.chain[0]?.frames.slice(0, 2)).toEqual(['down_write', 'kvm_gmem_bind']);
      expect(s.chain[0]?.modules.slice(0, 2)).toEqual([null, 'kvm']);
      expect(s.chain[1]?.waitType).toBe('{4:4}');
    },
  },
  {
    file: '04-kvm-xen-srcu-kvm-lock-circular.txt',
    type: 'circular',
    classes: ['&kvm->lock', '&kvm->srcu'],
    task: 'xen_shinfo_test/2938',
    held: [2, 2],
    rows: CIRCULAR_2('&kvm->srcu', '&kvm->lock'),
    check: (s) => {
      expect(s.kernel?.tainted).toBe('Tainted: G OE');
      expect(s.cpu).toBe(26);
      expect(s.chain[0]?.frames).toContain('lock_sync');
      expect(s.alreadyHolding).toMatchObject({ class: '&kvm->srcu', usage: '.+.+', waitType: '{0:0}' });
      // "? sym" frames are unwinder guesses and are left out of the backtrace.
      expect(s.stack).not.toContain('add_chain_cache');
      expect(s.stack.slice(-2)).toEqual(['do_syscall_64', 'entry_SYSCALL_64_after_hwframe']);
      expect(s.stackModules[s.stack.indexOf('vmx_handle_exit')]).toBe('kvm_intel');
    },
  },
  {
    file: '05-hugetlb-resize-lock-recursive.txt',
    type: 'recursive',
    classes: ['&h->resize_lock'],
    task: 'bash/710',
    held: [4, 4],
    rows: ['0:lock(&h->resize_lock)', '0:lock(&h->resize_lock)'],
    check: (s) => {
      expect(s.scenario?.cpus).toBe(1);
      expect(s.heldLocks.locks.map((l) => l.class)).toEqual(['sb_writers#5', '&of->mutex#2', 'kn->active#98', '&h->resize_lock']);
    },
  },
  {
    file: '06-mmap-lock-trace-local-lock-inconsistent.txt',
    type: 'inconsistent',
    classes: ['lock#9'],
    task: 'syz-executor244/5087',
    held: [6, 6],
    rows: ['0:lock(lock#9)', '0:<Interrupt>', '0:!lock(lock#9)'],
    check: (s) => {
      expect(s.usageChange).toEqual({ from: 'SOFTIRQ-ON-W', to: 'IN-SOFTIRQ-W' });
      expect(s.irqContext).toBe('HC0[0]:SC1[1]:HE0:SE0');
      expect(s.acquiring).toMatchObject({ usage: '+.?.', at: '__mmap_lock_do_trace_acquire_returned' });
      // syzbot prints #0 twice (inlined caller first); the real caller wins.
      expect(s.heldLocks.locks[0]?.at).toBe('futex_exit_release');
      expect(s.traces).toHaveLength(1);
      expect(s.traces[0]?.label).toBe('{SOFTIRQ-ON-W} state was registered at');
      // Register dumps inside the call trace do not end it.
      expect(s.stack).toContain('__mutex_lock');
    },
  },
  {
    file: '07-evdev-softirq-safe-unsafe-syzbot.txt',
    type: 'safe-to-unsafe',
    classes: ['&client->buffer_lock', '&f->f_owner.lock', 'tasklist_lock'],
    task: 'syz-executor.5/27899',
    held: [5, 5],
    rows: IRQ_ROWS('tasklist_lock', '&client->buffer_lock', '&f->f_owner.lock'),
    check: (s) => {
      expect(s.irq).toEqual({ context: 'SOFTIRQ', safe: '&client->buffer_lock', unsafe: 'tasklist_lock' });
      expect(s.acquiring?.class).toBe('tasklist_lock');
      expect(s.alreadyHolding?.class).toBe('&f->f_owner.lock');
      expect(s.traces.map((t) => t.label)).toEqual(['which became SOFTIRQ-irq-safe at', 'which became SOFTIRQ-irq-unsafe at']);
      // The dependency trees are skipped, the final backtrace is not.
      expect(s.stack[2]).toBe('print_bad_irq_dependency');
    },
  },
  {
    file: '08-io-uring-irq-inversion-syzbot.txt',
    type: 'irq-inversion',
    classes: ['&ctx->completion_lock', '&fs->lock'],
    task: 'syz-executor659/6838',
    held: [1, 1],
    rows: IRQ_ROWS('&fs->lock', '&ctx->completion_lock'),
    check: (s) => {
      expect(s.irq).toEqual({ context: 'HARDIRQ', safe: '&ctx->completion_lock', unsafe: '&fs->lock' });
      expect(s.heldLocks.locks[0]?.at).toBe('__se_sys_io_uring_enter');
    },
  },
  {
    file: '09-riscv-plic-irq-inversion-and-recursive-timestamps.txt',
    report: 0,
    type: 'irq-inversion',
    classes: ['&irq_desc_lock_class', '&handler->enable_lock'],
    task: 'swapper/0/0',
    held: [0, 0],
    rows: IRQ_ROWS('&handler->enable_lock', '&irq_desc_lock_class'),
    check: (s) => {
      expect(s.stack.slice(-1)).toEqual(['call_on_irq_stack']);
      expect(s.raw).not.toContain('When I switch');
    },
  },
  {
    file: '09-riscv-plic-irq-inversion-and-recursive-timestamps.txt',
    report: 1,
    type: 'recursive',
    classes: ['&lpriv->ids_lock'],
    task: 'swapper/0/1',
    held: [6, 6],
    rows: ['0:lock(&lpriv->ids_lock)', '0:lock(&lpriv->ids_lock)'],
  },
  {
    file: '10-rn5t618-invalid-wait-context-arm.txt',
    type: 'invalid-wait-context',
    classes: ['rn5t618:170:(&rn5t618_regmap_config)->lock'],
    task: 'systemd-shutdow/1',
    held: [2, 2],
    rows: null,
    check: (s) => {
      expect(s.waitContext).toBe('{4:4}');
      expect(s.stack.slice(0, 3)).toEqual(['unwind_backtrace', 'show_stack', 'dump_stack']);
      expect(s.raw).not.toContain('Signed-off-by');
    },
  },
  {
    file: '11-hikey960-invalid-wait-context-wrapped.txt',
    type: 'invalid-wait-context',
    classes: ['&pool->lock'],
    task: 'swapper/1/0',
    held: [1, 1],
    rows: null,
    check: (s) => {
      expect(s.waitContext).toBe('{2:2}');
      expect(s.acquiring?.at).toBe('__queue_work');
      expect(s.heldLocks.locks[0]).toMatchObject({ class: 'rcu_read_lock', waitType: '{1:3}', at: '__queue_work' });
      expect(s.cpu).toBe(1);
      expect(s.stack).toContain('handle_percpu_devid_irq');
      expect(s.stack.slice(-1)).toEqual(['secondary_start_kernel']);
    },
  },
  {
    file: '12-ksm-memory-chain-circular-3.3-old-format.txt',
    type: 'circular',
    classes: ['(memory_chain).rwsem', 'ksm_thread_mutex/1'],
    task: 'sh/973',
    held: [6, 6],
    rows: CIRCULAR_2('ksm_thread_mutex/1', '(memory_chain).rwsem'),
    check: (s) => {
      expect(s.acquiring).toMatchObject({ usage: '.+.+.+', waitType: null, at: '__blocking_notifier_call_chain' });
      expect(s.chain[1]?.frames[0]).toBe('validate_chain.clone.24');
      expect(s.stack[0]).toBe('show_trace');
      expect(s.kernel?.version).toBe('3.3.0-rc2');
    },
  },
  {
    file: '13-inotify-circular-2.6.18-four-classes.txt',
    type: 'circular',
    classes: ['iprune_mutex', '&inode->inotify_mutex', '&ih->mutex', '&dev->ev_mutex'],
    task: 'imap/30033',
    held: [4, 4],
    rows: null,
    check: (s) => {
      expect(s.kernel).toBeUndefined();
      expect(s.chainExists).toBeNull();
      expect(s.heldLocks.locks[3]).toMatchObject({ class: 'shrinker_rwsem', usage: '----', at: 'shrink_slab' });
    },
  },
  {
    file: '14-nvme-elevator-circular-journalctl.txt',
    type: 'circular',
    classes: ['set->srcu', 'sk_lock-AF_INET-NVME', 'cpu_hotplug_lock', 'fs_reclaim', '&q->q_usage_counter(io)', '&q->elevator_lock'],
    task: 'nvme/1171',
    held: [5, 5],
    rows: ['0:lock(&q->elevator_lock)', '1:lock(&q->q_usage_counter(io))', '1:lock(&q->elevator_lock)', '0:sync(set->srcu)'],
    check: (s) => {
      // "Chain exists of" names three classes even for a six-class cycle.
      expect(s.chainExists).toEqual(['set->srcu', '&q->q_usage_counter(io)', '&q->elevator_lock']);
      expect(s.chain.find((e) => e.index === 2)?.modules).toContain('nvme_tcp');
      expect(s.kernel?.version).toBe('7.1.0-rc1+');
    },
  },
  {
    file: '15-mremap-bad-unlock-balance-syzbot.txt',
    type: 'bad-unlock-balance',
    classes: ['&mapping->i_mmap_rwsem'],
    task: 'syz-executor359/6969',
    held: [1, 1],
    rows: null,
    check: (s) => {
      expect(s.releasing).toMatchObject({ class: '&mapping->i_mmap_rwsem', usage: null, at: 'move_pgt_entry' });
      expect(s.heldLocks.locks[0]?.at).toBe('__se_sys_mremap');
      // The unrelated warning after "cut here" is not part of the report.
      expect(s.raw).not.toContain('cut here');
      expect(s.stack).toHaveLength(18);
    },
  },
  {
    file: '16-ip-tunnel-suspicious-rcu.txt',
    type: 'suspicious-rcu',
    classes: [],
    task: 'ip/362',
    held: [1, 1],
    rows: null,
    check: (s) => {
      expect(s.message).toBe('net/ipv4/ip_tunnel.c:221 RCU-list traversed in non-reader section!!');
      expect(s.stack[1]).toBe('lockdep_rcu_suspicious.cold');
    },
  },
  {
    file: '17-cpuset-softirq-safe-unsafe-3.12-quoted.txt',
    type: 'safe-to-unsafe',
    classes: ['&(&q->__queue_lock)->rlock', '&p->mems_allowed_seq'],
    task: 'kworker/u4:3/689',
    held: [null, 0],
    rows: null,
    check: (s) => {
      expect(s.irq).toEqual({ context: 'SOFTIRQ', safe: null, unsafe: null });
      expect(s.acquiring).toMatchObject({ usage: '+.+...', at: 'new_slab' });
    },
  },
  {
    file: '18-uprobe-held-lock-freed-then-kasan-syzbot.txt',
    type: 'held-lock-freed',
    classes: ['&uprobe->register_rwsem'],
    task: 'syz-executor.3/10020',
    held: [2, 2],
    rows: null,
    check: (s) => {
      expect(s.alreadyHolding?.at).toBe('uprobe_unregister');
      expect(s.raw).not.toContain('KASAN');
      expect(s.stack.slice(-1)).toEqual(['entry_SYSCALL_64_after_hwframe']);
    },
  },
  {
    file: '19-zone-lock-recursive-3.5-old-format.txt',
    type: 'recursive',
    classes: ['&(&zone->lock)->rlock'],
    task: 'trinity-child1/31784',
    held: [2, 2],
    rows: ['0:lock(&(&zone->lock)->rlock)', '0:lock(&(&zone->lock)->rlock)'],
    check: (s) => {
      expect(s.stack).toHaveLength(10);
      expect(s.stack[0]).toBe('__lock_acquire');
      expect(s.kernel?.version).toBe('3.5.0-rc1+');
    },
  },
  {
    file: '20-btrfs-circular-rsyslog-012-quoted.txt',
    type: 'circular',
    classes: ['&fs_devs->device_list_mutex', '&fs_info->chunk_mutex'],
    task: 'mount/1024',
    held: [null, 0],
    rows: CIRCULAR_2('&fs_info->chunk_mutex', '&fs_devs->device_list_mutex'),
    check: (s) => {
      expect(s.alreadyHolding?.at).toBe('btrfs_read_chunk_tree');
      expect(s.chain[1]?.modules).toContain('btrfs');
      expect(s.raw.split('\n').slice(-1)[0]?.trim()).toBe('*** DEADLOCK ***');
    },
  },
  {
    file: '21-ieee1394-inconsistent-2.6.17-quoted-interleaved.txt',
    type: 'inconsistent',
    classes: ['&skb_queue_lock_key'],
    task: 'nscd/4929',
    held: [0, 0],
    rows: null,
    check: (s) => {
      expect(s.usageChange).toEqual({ from: 'in-hardirq-W', to: 'hardirq-on-W' });
      expect(s.traces[0]?.frames).toHaveLength(13);
      // A reviewer's comment between two quoted frames does not end the trace.
      expect(s.stack).toContain('inet_ioctl');
      expect(s.stack.slice(-1)).toEqual(['system_call']);
    },
  },
];

describe('lockdep splat parser: fixtures', () => {
  it('has an expectation for every fixture file, and every fixture names its source', () => {
    expect(new Set(EXPECTED.map((e) => e.file))).toEqual(new Set(fixtureNames));
    for (const name of fixtureNames) expect(fixture(name).split('\n')[0]).toMatch(/^# source: https?:\/\/\S+/);
  });

  for (const e of EXPECTED) {
    it(`${e.file}${e.report === undefined ? '' : ` #${e.report}`}: ${e.type}`, () => {
      const splat = parseSplats(fixture(e.file))[e.report ?? 0];
      expect(splat).toBeDefined();
      if (!splat) return;
      expect(splat.type).toBe(e.type);
      expect(splat.classes).toEqual(e.classes);
      expect(taskOf(splat)).toBe(e.task);
      expect([splat.heldLocks.count, splat.heldLocks.locks.length]).toEqual(e.held);
      expect(rowsOf(splat)).toEqual(e.rows);
      e.check?.(splat);
    });
  }

  it('finds exactly the reports each file holds', () => {
    for (const name of fixtureNames) {
      const expected = EXPECTED.filter((e) => e.file === name).length;
      expect(parseSplats(fixture(name)), name).toHaveLength(expected);
    }
  });

  it('returns JSON-serialisable objects', () => {
    for (const name of fixtureNames) {
      for (const s of parseSplats(fixture(name))) expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    }
  });
});

/** Mangles every line of a text the way a log tool or mail client would. */
type Variant = (text: string) => string;

const eachLine =
  (f: (line: string) => string): Variant =>
  (text) =>
    text.split('\n').map(f).join('\n');

/** Quoted-printable as mail user agents write it: "=" escaped, 76-column soft breaks. */
function quotedPrintable(text: string): string {
  const encodeLine = (line: string): string => {
    const escaped = line.replace(/=/g, '=3D').replace(/[ \t]$/, (c) => (c === ' ' ? '=20' : '=09'));
    const pieces: string[] = [];
    let rest = escaped;
    while (rest.length > 75) {
      let cut = 75;
      // Do not split an =XX escape.
      const lastEq = rest.lastIndexOf('=', cut - 1);
      if (lastEq > cut - 3) cut = lastEq;
      pieces.push(`${rest.slice(0, cut)}=`);
      rest = rest.slice(cut);
    }
    pieces.push(rest);
    return pieces.join('\n');
  };
  return text.split('\n').map(encodeLine).join('\n');
}

/** Variants whose normalised text must equal the original's exactly (raw included). */
const EXACT_VARIANTS: Record<string, Variant> = {
  crlf: (text) => text.replace(/\n/g, '\r\n'),
  'mail quote "> "': eachLine((l) => `> ${l}`),
  'nested quote "> > "': eachLine((l) => `> > ${l}`),
  'compact quote ">>"': eachLine((l) => `>> ${l}`),
  'tab-indented': eachLine((l) => `\t${l}`),
  'two-space indented (commit message)': eachLine((l) => (l === '' ? '' : `  ${l}`)),
  'quoted-printable': quotedPrintable,
};

/** Variants that add log prefixes: the parsed fields must match; raw may keep extra indentation. */
const PREFIX_VARIANTS: Record<string, Variant> = {
  syslog: eachLine((l) => `Jul 20 14:16:21 host kernel: ${l}`),
  'ISO syslog': eachLine((l) => `2016-03-26T20:52:22.526357+00:00 mira108 kernel: ${l}`),
  'journalctl (blank lines dropped)': (text) =>
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => `Apr 27 20:32:08 testnode1 kernel: ${l}`)
      .join('\n'),
  'dmesg timestamps': eachLine((l) => `[  123.456789] ${l}`),
  'dmesg caller ids': eachLine((l) => `[   33.615860][  T607] ${l}`),
  'dmesg -x': eachLine((l) => `kern  :warn  : [ 1880.242388] ${l}`),
  'loglevel + timestamp': eachLine((l) => `<4>[   14.530533] ${l}`),
  '/dev/kmsg': eachLine((l) => `4,1043,34351285,-;${l}`),
  'syslog inside mail quote': eachLine((l) => `> May 13 15:16:32 kern.warn kernel: [ 1880.242388] ${l}`),
};

function withoutRaw(splats: ParsedSplat[]): Omit<ParsedSplat, 'raw'>[] {
  return splats.map(({ raw: _raw, ...rest }) => rest);
}

/** The fixture without its "# source:" comment line. */
function body(name: string): string {
  return fixture(name).split('\n').slice(1).join('\n');
}

describe('lockdep splat parser: pasted through logs and mail', () => {
  for (const name of fixtureNames) {
    const original = parseSplats(body(name));

    it(`${name}: exact variants normalise to the same report`, () => {
      expect(original.length).toBeGreaterThan(0);
      for (const [variant, mangle] of Object.entries(EXACT_VARIANTS)) {
        expect(parseSplats(mangle(body(name))), variant).toEqual(original);
      }
    });

    it(`${name}: log-prefix variants parse to the same fields`, () => {
      for (const [variant, mangle] of Object.entries(PREFIX_VARIANTS)) {
        expect(withoutRaw(parseSplats(mangle(body(name)))), variant).toEqual(withoutRaw(original));
      }
    });
  }

  it('handles rsyslog "#012" escapes and one-space-shifted columns', () => {
    const s = parseSplat(fixture('20-btrfs-circular-rsyslog-012-quoted.txt'));
    expect(s?.raw).toContain('\nbut task is already holding lock:\n');
  });

  it('rejoins lines wrapped by a mail client', () => {
    const s = parseSplat(fixture('11-hikey960-invalid-wait-context-wrapped.txt'));
    expect(s?.raw).toContain('(&pool->lock){..-.}-{3:3}, at: __queue_work+0x108/0x7c8');
    expect(s?.kernel?.version).toBe('5.7.0-rc2-00069-g18bf34080c4c');
  });

  it('rejoins an old bracketed title split across two lines, and pre-4.14 "at:" on its own line', () => {
    const text = [
      '> =============================================',
      '> [ INFO: possible recursive locking detected',
      '> ]',
      '>   4.1.0-12802-g1dc51b8 #3 Not tainted',
      '>   ---------------------------------------------',
      '>   swapper/0/1 is trying to acquire lock:',
      '>   (pgdat_init_rwsem){++++.+},',
      '>     at: [<ffffffff8424c7fb>] page_alloc_init_late+0xc7/0xe6',
      '> ',
      '>   but task is already holding lock:',
      '>   (pgdat_init_rwsem){++++.+},',
      '>     at: [<ffffffff8424c772>] page_alloc_init_late+0x3e/0xe6',
    ].join('\n');
    const s = parseSplat(text);
    expect(s).toMatchObject({ type: 'recursive', classes: ['pgdat_init_rwsem'], task: { comm: 'swapper/0', pid: 1 } });
    expect(s?.acquiring).toMatchObject({ usage: '++++.+', at: 'page_alloc_init_late' });
    expect(s?.kernel?.version).toBe('4.1.0-12802-g1dc51b8');
  });

  it('skips "..." and "[ ... ]" elisions', () => {
    const text = [
      '[   33.615860][  T607] WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected',
      '[   33.617194][  T607] 5.9.0-rc1+ #665 Not tainted',
      '[ ... ]',
      '[   33.670615][  T607] Chain exists of:',
      '[   33.670615][  T607]   &mc->mca_lock --> &bridge_netdev_addr_lock_key --> &net->nsid_lock',
      '...',
    ].join('\n');
    const s = parseSplat(text);
    expect(s?.type).toBe('safe-to-unsafe');
    expect(s?.chainExists).toEqual(['&mc->mca_lock', '&bridge_netdev_addr_lock_key', '&net->nsid_lock']);
  });
});

/** Excerpts of real reports quoted in lore.kernel.org threads, kept inline because they are fragments. */
describe('lockdep splat parser: more real-world excerpts', () => {
  const xenNested = [
    '[ 3680.685254]',
    '[ 3680.685265] ==================================',
    '[ 3680.685269] WARNING: Nested lock was not taken',
    '[ 3680.685274] 6.12.0+ #16 Tainted: G        W',
    '[ 3680.685279] ----------------------------------',
    '[ 3680.685283] migration/0/19 is trying to lock:',
    '[ 3680.685288] ffff88800bac33c0 (ptlock_ptr(ptdesc)#2){+.+.}-{3:3}, at: xen_pin_page+0x175/0x1d0',
    '[ 3680.685303]',
    '[ 3680.685303] but this task is not holding:',
    '[ 3680.685308] init_mm.page_table_lock',
    '[ 3680.685311]',
    '[ 3680.685311] stack backtrace:',
    '[ 3680.685316] CPU: 0 UID: 0 PID: 19 Comm: migration/0 Tainted: G        W          6.12.0+ #16',
    '[ 3680.685324] Tainted: [W]=WARN',
    '[ 3680.685328] Stopper: multi_cpu_stop+0x0/0x120 <- __stop_cpus.constprop.0+0x8c/0xd0',
    '[ 3680.685339] Call Trace:',
    '[ 3680.685344]  <TASK>',
    '[ 3680.685347]  dump_stack_lvl+0x77/0xb0',
    '[ 3680.685356]  __lock_acquire+0x917/0x2310',
    '[ 3680.685364]  lock_acquire+0xce/0x2c0',
    '[ 3680.685369]  ? xen_pin_page+0x175/0x1d0',
    '[ 3680.685373]  _raw_spin_lock_nest_lock+0x2f/0x70',
    '[ 3680.685381]  ? xen_pin_page+0x175/0x1d0',
    '[ 3680.685386]  xen_pin_page+0x175/0x1d0',
  ];

  it('nested lock not taken (xen-devel excerpt, 6.12, timestamps)', () => {
    const s = parseSplat(xenNested.join('\n'));
    expect(s).toMatchObject({ type: 'nested-lock-not-taken', task: { comm: 'migration/0', pid: 19 }, cpu: 0 });
    expect(s?.classes).toEqual(['ptlock_ptr(ptdesc)#2', 'init_mm.page_table_lock']);
    expect(s?.kernel?.tainted).toBe('Tainted: G W');
    expect(s?.stack).toEqual(['dump_stack_lvl', '__lock_acquire', 'lock_acquire', '_raw_spin_lock_nest_lock', 'xen_pin_page']);
  });

  it('nested lock not taken: held locks between the two backtraces that print_lock_nested_lock_not_held() prints', () => {
    // The excerpt above stops inside the first backtrace. The kernel goes on with
    // "other info ...", the held locks and the backtrace again; this tail follows
    // that print order, with a held lock made up for the test.
    const s = parseSplat(
      [
        ...xenNested,
        '[ 3680.685390]  ',
        '[ 3680.685391] other info that might help us debug this:',
        '[ 3680.685392] 1 lock held by migration/0/19:',
        '[ 3680.685393]  #0: ffffffff82a5e9c8 (&mm->page_table_lock){+.+.}-{3:3}, at: xen_pin_page+0x10/0x1d0',
        '[ 3680.685394] ',
        '[ 3680.685395] stack backtrace:',
        '[ 3680.685396] Call Trace:',
        '[ 3680.685397]  dump_stack_lvl+0x77/0xb0',
      ].join('\n'),
    );
    expect(s?.classes).toEqual(['ptlock_ptr(ptdesc)#2', 'init_mm.page_table_lock']);
    expect(s?.heldLocks.locks.map((l) => l.class)).toEqual(['&mm->page_table_lock']);
    // The last backtrace wins.
    expect(s?.stack).toEqual(['dump_stack_lvl']);
  });

  it('nested lock not taken where syzbot crashed while printing the nest lock', () => {
    const s = parseSplat(
      [
        '==================================',
        'WARNING: Nested lock was not taken',
        '6.1.0-syzkaller-14594-g72a85e2b0a1e #0 Not tainted',
        '----------------------------------',
        'syz-executor.1/17928 is trying to lock:',
        'ffff8880734df700 (&ni->ni_lock/4){+.+.}-{3:3}, at: ni_lock fs/ntfs3/ntfs_fs.h:1122 [inline]',
        'ffff8880734df700 (&ni->ni_lock/4){+.+.}-{3:3}, at: ntfs_set_size+0x113/0x220 fs/ntfs3/inode.c:820',
        '',
        'but this task is not holding:',
        'general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1] PREEMPT SMP KASAN',
        'KASAN: null-ptr-deref in range [0x0000000000000018-0x000000000000001f]',
      ].join('\n'),
    );
    expect(s?.classes).toEqual(['&ni->ni_lock/4']);
    expect(s?.acquiring?.at).toBe('ntfs_set_size');
  });

  it('lock held when returning to user space (syzbot 6.16, and a 4-space indented 2.6-era commit message)', () => {
    const syzbot = parseSplat(
      [
        '================================================',
        'WARNING: lock held when returning to user space!',
        '6.16.0-rc5-next-20250710-syzkaller #0 Not tainted',
        '------------------------------------------------',
        'syz.0.21/6653 is leaving the kernel with locks still held!',
        '2 locks held by syz.0.21/6653:',
        ' #0: ffff8880722e3808 (vm_lock){++++}-{0:0}, at: lock_next_vma+0x146/0xdc0 mm/mmap_lock.c:220',
        ' #1: ffff8880722e3308 (vm_lock){++++}-{0:0}, at: lock_next_vma+0x146/0xdc0 mm/mmap_lock.c:220',
      ].join('\n'),
    );
    expect(syzbot).toMatchObject({ type: 'lock-held-return-to-user', classes: ['vm_lock'], task: { comm: 'syz.0.21', pid: 6653 } });
    expect(syzbot?.heldLocks.count).toBe(2);
    const old = parseSplat(
      [
        'introduced tasklist_lock leak. Then it caused following obvious',
        'danger warings and panic.',
        '',
        '    ================================================',
        '    [ BUG: lock held when returning to user space! ]',
        '    ------------------------------------------------',
        '    rsyslogd/1422 is leaving the kernel with locks still held!',
        '    1 lock held by rsyslogd/1422:',
        '     #0:  (tasklist_lock){.+.+.+}, at: [<ffffffff810faf64>] out_of_memory+0x164/0x3f0',
        '    BUG: scheduling while atomic: rsyslogd/1422/0x00000002',
        '    INFO: lockdep is turned off.',
      ].join('\n'),
    );
    expect(old).toMatchObject({ type: 'lock-held-return-to-user', classes: ['tasklist_lock'] });
    expect(old?.heldLocks.locks[0]).toMatchObject({ usage: '.+.+.+', waitType: null, at: 'out_of_memory' });
    expect(old?.raw.split('\n')[0]).toBe('================================================');
  });

  it('held locks whose "at:" a mail client pushed onto an indented next line (linux-cifs)', () => {
    const s = parseSplat(
      [
        '>   WARNING: lock held when returning to user space!',
        '>   6.1.0-rc5+ #4 Not tainted',
        '>   ------------------------------------------------',
        '>   fsstress/504233 is leaving the kernel with locks still held!',
        '>   2 locks held by fsstress/504233:',
        '>    #0: ffff888054c38850 (&sb->s_type->i_mutex_key#21){+.+.}-{3:3}, at:',
        '>                         lock_two_nondirectories+0xcf/0xf0',
        '>    #1: ffff8880b8fec750 (&sb->s_type->i_mutex_key#21/4){+.+.}-{3:3}, at:',
        '>                         lock_two_nondirectories+0xb7/0xf0',
      ].join('\n'),
    );
    expect(s?.classes).toEqual(['&sb->s_type->i_mutex_key#21', '&sb->s_type->i_mutex_key#21/4']);
    expect(s?.heldLocks.locks.map((l) => l.at)).toEqual(['lock_two_nondirectories', 'lock_two_nondirectories']);
  });

  it('journal lines wrapped by a mail client, with a partial chain (qubes dom0, 5.15)', () => {
    const s = parseSplat(
      [
        'dom0 kernel: ------------[ cut here ]------------',
        'dom0 kernel: installing Xen timer for CPU 7',
        'dom0 kernel:',
        'dom0 kernel: ======================================================',
        'dom0 kernel: WARNING: possible circular locking dependency detected',
        'dom0 kernel: 5.15.0-0.rc6.0.fc32.qubes.x86_64 #1 Tainted: G       ',
        'W        --------- ---',
        'dom0 kernel: ------------------------------------------------------',
        'dom0 kernel: kworker/6:2/440 is trying to acquire lock:',
        'dom0 kernel: ffffffff829628b8 ((console_sem).lock){-...}-{2:2}, at:',
        'down_trylock+0xf/0x30',
        'dom0 kernel:',
        '                          but task is already holding lock:',
        'dom0 kernel: ffff8881407ab558 (&rq->__lock){-.-.}-{2:2}, at:',
        'raw_spin_rq_lock_nested+0x1e/0x80',
        'dom0 kernel:',
        '                          which lock already depends on the new lock.',
        'dom0 kernel:',
        '                          the existing dependency chain (in reverse',
        'order) is:',
        'dom0 kernel:',
        '                          -> #2 (&rq->__lock){-.-.}-{2:2}:',
        'dom0 kernel:        __lock_acquire+0x3a0/0x6b0',
        'dom0 kernel:        lock_acquire+0xf5/0x300',
        'dom0 kernel:        _raw_spin_lock_nested+0x2a/0x40',
      ].join('\n'),
    );
    expect(s?.kernel).toEqual({ version: '5.15.0-0.rc6.0.fc32.qubes.x86_64', build: '#1', tainted: 'Tainted: G W --------- ---' });
    expect(s?.acquiring).toMatchObject({ class: '(console_sem).lock', at: 'down_trylock' });
    expect(s?.alreadyHolding?.at).toBe('raw_spin_rq_lock_nested');
    expect(s?.chain.map((e) => e.index)).toEqual([2]);
    // #0 is always the lock being acquired; the missing #1 stays unknown.
    expect(s?.classes).toEqual(['(console_sem).lock', '&rq->__lock']);
  });

  it('a quoted-printable journal paste with "=3D" and soft line breaks (linux-block)', () => {
    const s = parseSplat(
      [
        'Apr 10 10:24:19 testnode2 kernel: =3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=',
        '=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=',
        '=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D',
        'Apr 10 10:24:19 testnode2 kernel: WARNING: possible circular locking depend=',
        'ency detected',
        'Apr 10 10:24:19 testnode2 kernel: 6.15.0-rc1+ #22 Not tainted',
        'Apr 10 10:24:19 testnode2 kernel: (udev-worker)/556 is trying to acquire lo=',
        'ck:',
        'Apr 10 10:24:19 testnode2 kernel: ffff8881241bb698 (&q->elevator_lock){+.+.=',
        '}-{4:4}, at: elv_iosched_store+0x178/0x4d0',
        'Apr 10 10:24:19 testnode2 kernel:=20',
        '                                  but task is already holding lock:',
        'Apr 10 10:24:19 testnode2 kernel: ffff8881241bb168 (&q->q_usage_counter(io)=',
        '#12){++++}-{0:0}, at: blk_mq_freeze_queue_nomemsave+0xe/0x20',
      ].join('\n'),
    );
    expect(s).toMatchObject({ type: 'circular', task: { comm: '(udev-worker)', pid: 556 } });
    expect(s?.classes).toEqual(['&q->elevator_lock', '&q->q_usage_counter(io)#12']);
  });

  it('a tab-indented, quoted-printable report (linux-riscv)', () => {
    const s = parseSplat(
      [
        '\t=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=',
        '=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D=3D',
        '\tWARNING: bad unlock balance detected!',
        '\t6.5.0-rc3-next-20230725 #1 Not tainted',
        '\t-------------------------------------',
        '\tmodprobe/58 is trying to release lock (&vma->vm_lock->lock) at:',
        '\t[<ffffffff8000dcfa>] vma_end_read+0x60/0xb8',
        '\tbut there are no more locks to release!',
        '',
        '\tother info that might help us debug this:',
        '\t1 lock held by modprobe/58:',
        '\t #0: ffffffff8169daa0 (rcu_read_lock){....}-{1:2}, at: rcu_lock_acquire+0x=',
        '0/0x2e',
        '=09',
        '\tstack backtrace:',
        '\tCPU: 3 PID: 58 Comm: modprobe Not tainted 6.5.0-rc3-next-20230725 #1',
        '\t[<ffffffff80006b48>] show_stack+0x2c/0x38',
        '\t[<ffffffff80b49bb2>] dump_stack_lvl+0x60/0x82',
      ].join('\n'),
    );
    expect(s?.releasing).toMatchObject({ class: '&vma->vm_lock->lock', at: 'vma_end_read' });
    expect(s?.heldLocks.locks[0]?.at).toBe('rcu_lock_acquire');
    expect(s?.stack).toEqual(['show_stack', 'dump_stack_lvl']);
  });

  it('a lock line split after its address, and "(____ptrval____)" addresses', () => {
    const rockchip = parseSplat(
      [
        '>> ========================================================',
        '>> WARNING: possible irq lock inversion dependency detected',
        '>> 6.7.0-rc3+ #14328 Not tainted',
        '>> --------------------------------------------------------',
        '>> swapper/0/0 just changed the state of lock:',
        '>> ffff0001f3ae2c18',
        '>> (rockchip_drm_vop2:2723:(&vop2_regmap_config)->lock){-...}-{2:2}, at:',
        '>> regmap_lock_spinlock+0x18/0x2c',
        '>> but this lock took another, HARDIRQ-unsafe lock in the past:',
        '>>    (&mt->ma_lock){+.+.}-{2:2}',
      ].join('\n'),
    );
    expect(rockchip?.irq).toEqual({
      context: 'HARDIRQ',
      safe: 'rockchip_drm_vop2:2723:(&vop2_regmap_config)->lock',
      unsafe: '&mt->ma_lock',
    });
    const s390 = parseSplat(
      [
        'WARNING: inconsistent lock state',
        '5.1.0-rc3-05157-g5c168033979d #12 Not tainted',
        '--------------------------------',
        'inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.',
        'swapper/0/1 [HC0[0]:SC1[1]:HE1:SE0] takes:',
        '(____ptrval____) (&(&view->lock)->rlock){?.-.}, at: tty3270_update+0x7c/0x330',
      ].join('\n'),
    );
    expect(s390?.acquiring).toMatchObject({ class: '&(&view->lock)->rlock', usage: '?.-.', waitType: null });
  });
});

describe('lockdep splat parser: several reports, garbage and truncation', () => {
  it('parses each report of a text holding two', () => {
    const a = body('01-exfat-mmap-lock-invalidate-lock-circular.txt');
    const b = body('15-mremap-bad-unlock-balance-syzbot.txt');
    const both = parseSplats(`${a}\nsome unrelated log line\n${b}`);
    expect(both.map((s) => s.type)).toEqual(['circular', 'bad-unlock-balance']);
    expect(withoutRaw(both)).toEqual(withoutRaw([...parseSplats(a), ...parseSplats(b)]));
  });

  it('parses reports from different files pasted back to back, in order', () => {
    const names = ['05-hugetlb-resize-lock-recursive.txt', '10-rn5t618-invalid-wait-context-arm.txt', '16-ip-tunnel-suspicious-rcu.txt'];
    expect(parseSplats(names.map(body).join('\n')).map((s) => s.type)).toEqual([
      'recursive',
      'invalid-wait-context',
      'suspicious-rcu',
    ]);
  });

  const garbage: Record<string, string> = {
    empty: '',
    whitespace: ' \n\t\r\n',
    prose: 'The quick brown fox jumps over the lazy dog.\nNothing to see here.',
    'subject line quoting a title': 'Subject: [syzbot] WARNING: suspicious RCU usage in __dev_queue_xmit',
    'title only': 'WARNING: possible circular locking dependency detected',
    'title cut in half': '======\nWARNING: possible circular lock',
    'header without a body': [
      '======================================================',
      'WARNING: possible circular locking dependency detected',
      '6.4.0-rc5 #0 Not tainted',
      '------------------------------------------------------',
    ].join('\n'),
    'binary-ish noise': '\u0000\u0001{+.+.}-{3:3} -> #1 ((( )))) #0: ==== ---- \uffff',
    'a plain WARN splat': [
      '------------[ cut here ]------------',
      'WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 foo+0x1/0x2',
      'Call Trace:',
      ' <TASK>',
      ' dump_stack_lvl+0x56/0x73',
      ' </TASK>',
    ].join('\n'),
  };

  for (const [name, text] of Object.entries(garbage)) {
    it(`returns nothing for ${name}`, () => {
      expect(parseSplats(text)).toEqual([]);
      expect(parseSplat(text)).toBeNull();
    });
  }

  it('never throws on fixtures cut at any line', () => {
    for (const name of fixtureNames) {
      const lines = fixture(name).split('\n');
      for (let n = 0; n <= lines.length; n += 3) {
        const cut = lines.slice(0, n).join('\n');
        expect(() => parseSplats(cut)).not.toThrow();
      }
    }
  });

  it('never throws on arbitrary text or shuffled report lines', () => {
    const pool = fixtureNames.flatMap((n) => fixture(n).split('\n'));
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        parseSplats(s);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 60 }), (lines) => {
        for (const s of parseSplats(lines.join('\n'))) expect(typeof s.type).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

function fakeIo(files: Record<string, string>, stdin = ''): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    readFile(path: string): string {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    readStdin: () => stdin,
    stdout(text: string): void {
      io.out += text;
    },
    stderr(text: string): void {
      io.err += text;
    },
  };
  return io;
}

describe('splat CLI', () => {
  const two = body('09-riscv-plic-irq-inversion-and-recursive-timestamps.txt');
  const circular = body('01-exfat-mmap-lock-invalidate-lock-circular.txt');

  it('prints a summary with the cycle, scenario and held locks (exit 0)', () => {
    const io = fakeIo({ 'a.txt': circular });
    expect(runSplatCli(['a.txt'], io)).toBe(0);
    expect(io.out).toContain('circular');
    expect(io.out).toContain('task:      syz-executor181/5187 on CPU 0');
    expect(io.out).toContain('cycle:     &mm->mmap_lock -> mapping.invalidate_lock#3 -> &sbi->s_lock -> &mm->mmap_lock');
    expect(io.out).toContain('rlock(&mm->mmap_lock)');
    expect(io.out).toContain('#2 &sbi->s_lock{+.+.}-{3:3} at exfat_iterate');
    expect(io.err).toBe('');
  });

  it('prints one JSON object per report with --json', () => {
    const io = fakeIo({ 'two.txt': two });
    expect(runSplatCli(['two.txt', '--json'], io)).toBe(0);
    const lines = io.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    const parsed = lines.map((l) => JSON.parse(l) as ParsedSplat);
    expect(parsed.map((p) => p.type)).toEqual(['irq-inversion', 'recursive']);
    expect(parsed[1]).toMatchObject({ classes: ['&lpriv->ids_lock'], task: { comm: 'swapper/0', pid: 1 } });
    expect(parsed[1]?.heldLocks.count).toBe(6);
  });

  it('reads stdin for "-"', () => {
    const io = fakeIo({}, circular);
    expect(runSplatCli(['-', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out) as ParsedSplat).toMatchObject({ type: 'circular' });
  });

  it('exits 2 when no report is found', () => {
    const io = fakeIo({ 'empty.txt': 'nothing here\n' });
    expect(runSplatCli(['empty.txt'], io)).toBe(2);
    expect(io.err).toContain('no lockdep report found in empty.txt');
    expect(io.out).toBe('');
  });

  it('exits 2 for an unreadable file and for usage errors', () => {
    const missing = fakeIo({});
    expect(runSplatCli(['missing.txt'], missing)).toBe(2);
    expect(missing.err).toContain('cannot read missing.txt');
    for (const args of [[], ['--bogus', 'a.txt'], ['a.txt', 'b.txt']]) {
      const io = fakeIo({ 'a.txt': circular, 'b.txt': circular });
      expect(runSplatCli(args, io), args.join(' ')).toBe(2);
      expect(io.err).toContain('usage:');
    }
  });

  it('runs as a script with exit status 0 and 2', { timeout: 60_000 }, () => {
    const run = (args: string[], input?: string) =>
      spawnSync('npx', ['tsx', 'scripts/splat.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', input });
    const ok = run(['test/fixtures/splats/05-hugetlb-resize-lock-recursive.txt', '--json']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout) as ParsedSplat).toMatchObject({ type: 'recursive', classes: ['&h->resize_lock'] });
    const none = run(['-'], 'no splat here\n');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no lockdep report found in stdin');
    const unreadable = run(['test/fixtures/splats/does-not-exist.txt']);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain('cannot read');
  });
});
