
use builtin;
use str;

set edit:completion:arg-completer[meshdig] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'meshdig'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'meshdig'= {
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand diff 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference'
            cand snapshot 'Capture a live cluster (objects, mesh settings, name table, every layer''s answers) into a snapshot file that `meshdig diff --snapshot` replays offline: the reproducible case for a bug report'
            cand check 'Run a file of expectations (YAML or JSON, docs/check.md) against a live cluster or a snapshot: exit 1 when one fails, with a readable reason, JSON and JUnit for CI'
            cand resolvconf 'Print a pod''s resolv.conf as the kubelet writes it (dnsPolicy, dnsConfig, the node''s search domains, the kubelet''s limits), from a live cluster or a snapshot'
            cand audit 'Diff every Service, headless per-pod name and ServiceEntry host a workload can see, in a namespace or everywhere, and summarise the findings by code'
            cand dig 'Ask one layer one exact question and print the whole reply like dig: header, flags, EDNS, question, answer, authority and additional sections, query time'
            cand explain 'Explain a finding code offline: what it means, when meshdig reports it, its evidence and what to do. Without a code, list the codes'
            cand generate 'Write shell completions and man pages (for packagers and the project''s own checks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshdig;diff'= {
            cand -t 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …); repeat for several [default: A, or PTR when NAME is an IP address]'
            cand --type 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …); repeat for several [default: A, or PTR when NAME is an IP address]'
            cand --from 'The pod the question is asked from: pod/NAME, deploy/NAME or a pod name'
            cand -n 'The namespace of --from, and of relative names [default: the context''s namespace, or "default" with --snapshot]'
            cand --namespace 'The namespace of --from, and of relative names [default: the context''s namespace, or "default" with --snapshot]'
            cand --snapshot 'Replay this snapshot file (docs/snapshot.md; - reads standard input) instead of asking a live cluster'
            cand --libc 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with'
            cand --family 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do'
            cand -o 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --output 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --kubeconfig 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'The kubeconfig context to use [default: the current context]'
            cand --request-timeout 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)'
            cand --cluster-domain 'The cluster DNS domain'
            cand --timeout 'Bound on each DNS layer''s answer and on istiod''s reply'
            cand --concurrency 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)'
            cand --qps 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster'
            cand --kube-dns 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS'
            cand --sidecar 'Ask the sidecar''s DNS proxy at this address (port 15053 unless given) instead of through a port-forward'
            cand --control-plane 'Read istiod''s /debug/ndsz at this URL (http://ADDR or http://ADDR:PORT, port 15014 unless given) instead of through port-forwards'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;snapshot'= {
            cand -t 'The record types to ask for each name (repeat for several) [default: A, or PTR for an IP address]'
            cand --type 'The record types to ask for each name (repeat for several) [default: A, or PTR for an IP address]'
            cand --from 'The pod the questions are asked from: pod/NAME, deploy/NAME or a pod name'
            cand -n 'The namespace of --from, and of relative names [default: the context''s namespace]'
            cand --namespace 'The namespace of --from, and of relative names [default: the context''s namespace]'
            cand --file 'The snapshot file to write; - writes it to standard output'
            cand -o 'Refused with a hint: a snapshot is always a JSON file, written with --file'
            cand --output 'Refused with a hint: a snapshot is always a JSON file, written with --file'
            cand --kubeconfig 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'The kubeconfig context to use [default: the current context]'
            cand --request-timeout 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)'
            cand --cluster-domain 'The cluster DNS domain'
            cand --timeout 'Bound on each DNS layer''s answer and on istiod''s reply'
            cand --concurrency 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)'
            cand --qps 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster'
            cand --kube-dns 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS'
            cand --sidecar 'Ask the sidecar''s DNS proxy at this address (port 15053 unless given) instead of through a port-forward'
            cand --control-plane 'Read istiod''s /debug/ndsz at this URL (http://ADDR or http://ADDR:PORT, port 15014 unless given) instead of through port-forwards'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;check'= {
            cand -f 'The expectations: YAML, or JSON when the name ends in .json (docs/check.md); - reads standard input'
            cand --file 'The expectations: YAML, or JSON when the name ends in .json (docs/check.md); - reads standard input'
            cand --snapshot 'Check this snapshot (- reads standard input) instead of a live cluster'
            cand -n 'The namespace of expectations that name none [default: the file''s defaults, then the context''s]'
            cand --namespace 'The namespace of expectations that name none [default: the file''s defaults, then the context''s]'
            cand -o 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --output 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --junit 'Also write a JUnit XML report here, for CI systems; - writes it to standard output in place of the report'
            cand --libc 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with'
            cand --family 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do'
            cand --kubeconfig 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'The kubeconfig context to use [default: the current context]'
            cand --request-timeout 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)'
            cand --cluster-domain 'The cluster DNS domain'
            cand --timeout 'Bound on each DNS layer''s answer and on istiod''s reply'
            cand --concurrency 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)'
            cand --qps 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster'
            cand --kube-dns 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS'
            cand --sidecar 'Ask the sidecar''s DNS proxy at this address (port 15053 unless given) instead of through a port-forward'
            cand --control-plane 'Read istiod''s /debug/ndsz at this URL (http://ADDR or http://ADDR:PORT, port 15014 unless given) instead of through port-forwards'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;resolvconf'= {
            cand --from 'The pod: pod/NAME, deploy/NAME or a pod name'
            cand -n 'The pod''s namespace [default: the context''s namespace, or "default" with --snapshot]'
            cand --namespace 'The pod''s namespace [default: the context''s namespace, or "default" with --snapshot]'
            cand --snapshot 'Read the pod from this snapshot (- reads standard input) instead of a live cluster'
            cand --node-resolv-conf 'The node''s resolv.conf (the kubelet''s --resolv-conf; - reads standard input), whose search domains follow the cluster''s'
            cand --limits 'The kubelet''s search list limits: expanded (32 domains, 2048 characters) or legacy (6, 256)'
            cand -o 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --output 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --kubeconfig 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'The kubeconfig context to use [default: the current context]'
            cand --request-timeout 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)'
            cand --cluster-domain 'The cluster DNS domain'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;audit'= {
            cand -n 'Audit the names of this namespace (also the namespace of --from) [default: the context''s, or "default"]'
            cand --namespace 'Audit the names of this namespace (also the namespace of --from) [default: the context''s, or "default"]'
            cand --from 'The workload whose view is audited: pod/NAME, deploy/NAME or a pod name'
            cand --snapshot 'Audit this snapshot (- reads standard input) instead of a live cluster; names it holds no answers for are counted apart'
            cand --libc 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with'
            cand --family 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do'
            cand -o 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --output 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --kubeconfig 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'The kubeconfig context to use [default: the current context]'
            cand --request-timeout 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)'
            cand --cluster-domain 'The cluster DNS domain'
            cand --timeout 'Bound on each DNS layer''s answer and on istiod''s reply'
            cand --concurrency 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)'
            cand --qps 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster'
            cand --kube-dns 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS'
            cand --sidecar 'Ask the sidecar''s DNS proxy at this address (port 15053 unless given) instead of through a port-forward'
            cand --control-plane 'Read istiod''s /debug/ndsz at this URL (http://ADDR or http://ADDR:PORT, port 15014 unless given) instead of through port-forwards'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -A 'Audit the names of every namespace'
            cand --all-namespaces 'Audit the names of every namespace'
            cand --as-typed 'Ask each name as an app in the workload''s namespace types it (`svc`, `svc.ns`, a ServiceEntry host without the dot), walked by --libc, instead of fully qualified'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;dig'= {
            cand --from 'The pod whose layer @sidecar and @control-plane ask: pod/NAME, deploy/NAME or a pod name'
            cand -n 'The namespace of --from [default: the context''s namespace]'
            cand --namespace 'The namespace of --from [default: the context''s namespace]'
            cand -o 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --output 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --snapshot 'Not supported: `meshdig dig` asks a live layer (replay snapshots with `meshdig diff --snapshot`)'
            cand --kubeconfig 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'The kubeconfig context to use [default: the current context]'
            cand --request-timeout 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)'
            cand --cluster-domain 'The cluster DNS domain'
            cand --timeout 'Bound on each DNS layer''s answer and on istiod''s reply'
            cand --concurrency 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)'
            cand --qps 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster'
            cand --kube-dns 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS'
            cand --sidecar 'Ask the sidecar''s DNS proxy at this address (port 15053 unless given) instead of through a port-forward'
            cand --control-plane 'Read istiod''s /debug/ndsz at this URL (http://ADDR or http://ADDR:PORT, port 15014 unless given) instead of through port-forwards'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;explain'= {
            cand -o 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --output 'Output format, in any case: table (for people), wide (more columns), json or yaml (docs/json.md)'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;generate'= {
            cand --out-dir 'The directory that receives `completions/` and `man/`'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -v 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand --verbose 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;help'= {
            cand diff 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference'
            cand snapshot 'Capture a live cluster (objects, mesh settings, name table, every layer''s answers) into a snapshot file that `meshdig diff --snapshot` replays offline: the reproducible case for a bug report'
            cand check 'Run a file of expectations (YAML or JSON, docs/check.md) against a live cluster or a snapshot: exit 1 when one fails, with a readable reason, JSON and JUnit for CI'
            cand resolvconf 'Print a pod''s resolv.conf as the kubelet writes it (dnsPolicy, dnsConfig, the node''s search domains, the kubelet''s limits), from a live cluster or a snapshot'
            cand audit 'Diff every Service, headless per-pod name and ServiceEntry host a workload can see, in a namespace or everywhere, and summarise the findings by code'
            cand dig 'Ask one layer one exact question and print the whole reply like dig: header, flags, EDNS, question, answer, authority and additional sections, query time'
            cand explain 'Explain a finding code offline: what it means, when meshdig reports it, its evidence and what to do. Without a code, list the codes'
            cand generate 'Write shell completions and man pages (for packagers and the project''s own checks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshdig;help;diff'= {
        }
        &'meshdig;help;snapshot'= {
        }
        &'meshdig;help;check'= {
        }
        &'meshdig;help;resolvconf'= {
        }
        &'meshdig;help;audit'= {
        }
        &'meshdig;help;dig'= {
        }
        &'meshdig;help;explain'= {
        }
        &'meshdig;help;generate'= {
        }
        &'meshdig;help;help'= {
        }
    ]
    $completions[$command]
}
