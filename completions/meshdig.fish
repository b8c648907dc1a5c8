# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_meshdig_global_optspecs
    string join \n color= v/verbose h/help V/version
end

function __fish_meshdig_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_meshdig_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_meshdig_using_subcommand
    set -l cmd (__fish_meshdig_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c meshdig -n "__fish_meshdig_needs_command" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_needs_command" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_needs_command" -s h -l help -d 'Print help'
complete -c meshdig -n "__fish_meshdig_needs_command" -s V -l version -d 'Print version'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "diff" -d 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "snapshot" -d 'Capture a live cluster (objects, mesh settings, name table, every layer\'s answers) into a snapshot file that `meshdig diff --snapshot` replays offline: the reproducible case for a bug report. `meshdig snapshot show FILE` lists what a snapshot holds'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "check" -d 'Run a file of expectations (YAML or JSON) against a live cluster or a snapshot: exit 1 when one fails, with a readable reason, JSON and JUnit for CI'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "resolvconf" -d 'Print a pod\'s resolv.conf as the kubelet writes it (dnsPolicy, dnsConfig, the node\'s search domains, the kubelet\'s limits), from a live cluster or a snapshot'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "audit" -d 'Diff every Service, headless per-pod name and ServiceEntry host a workload can see, in a namespace or everywhere, and summarise the findings by code'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "dig" -d 'Ask one layer one exact question and print the whole reply like dig: header, flags, EDNS, question, answer, authority and additional sections, query time'
complete -c meshdig -n "__fish_meshdig_needs_command" -f -a "explain" -d 'Explain a finding code offline: what it means, when meshdig reports it, its evidence and what to do. Without a code, list the codes'
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s t -l type -d 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …); repeat for several [default: A, or PTR when NAME is an IP address]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l from -d 'The pod the question is asked from: pod/NAME, deploy/NAME or a pod name' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s n -l namespace -d 'The namespace of --from, and of relative names [default: the context\'s namespace, or "default" with --snapshot]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l snapshot -d 'Replay this snapshot file (- reads standard input) instead of asking a live cluster' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l libc -d 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with' -r -f -a "glibc\t'GNU libc: Debian, Ubuntu, RHEL and distroless images'
musl\t'musl: Alpine images'"
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l family -d 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do' -r -f -a "inet\t'`AF_INET`: A queries'
inet6\t'`AF_INET6`: AAAA queries'
unspec\t'`AF_UNSPEC`: A and AAAA queries for each candidate, sent together'"
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s o -l output -d 'Output format, in any case: table (for people), wide (more columns), json or yaml' -r -f -a "table\t'A table or text for people (`text` is the same)'
wide\t'The table with more columns'
json\t'One JSON document'
yaml\t'The same document as YAML'"
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l context -d 'The kubeconfig context to use [default: the current context]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l request-timeout -d 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l cluster-domain -d 'The cluster DNS domain' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l timeout -d 'Bound on each DNS layer\'s answer and on the control plane\'s reply' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l concurrency -d 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l qps -d 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l kube-dns -d 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l sidecar -d 'Ask the pod\'s mesh DNS proxy at this address (the mesh\'s port unless given, e.g. 15053 for Istio\'s sidecar) instead of through a port-forward' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l control-plane -d 'Read the mesh control plane\'s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh\'s port unless given, e.g. 15014 for istiod) instead of through port-forwards' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -s t -l type -d 'The record types to ask for each name (repeat for several) [default: A, or PTR for an IP address]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l from -d 'The pod the questions are asked from: pod/NAME, deploy/NAME or a pod name' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -s n -l namespace -d 'The namespace of --from, and of relative names [default: the context\'s namespace]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l file -d 'The snapshot file to write; - writes it to standard output' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l context -d 'The kubeconfig context to use [default: the current context]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l request-timeout -d 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l cluster-domain -d 'The cluster DNS domain' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l timeout -d 'Bound on each DNS layer\'s answer and on the control plane\'s reply' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l concurrency -d 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l qps -d 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l kube-dns -d 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l sidecar -d 'Ask the pod\'s mesh DNS proxy at this address (the mesh\'s port unless given, e.g. 15053 for Istio\'s sidecar) instead of through a port-forward' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l control-plane -d 'Read the mesh control plane\'s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh\'s port unless given, e.g. 15014 for istiod) instead of through port-forwards' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and not __fish_seen_subcommand_from show" -a "show" -d 'List what a snapshot holds: its cluster and mesh, objects by kind, proxies and their name tables, and every recorded question with each source\'s answer'
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format, in any case: table (for people), wide (more columns), json or yaml' -r -f -a "table\t'A table or text for people (`text` is the same)'
wide\t'The table with more columns'
json\t'One JSON document'
yaml\t'The same document as YAML'"
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and __fish_seen_subcommand_from show" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand snapshot; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -s f -l file -d 'The expectations: YAML, or JSON when the name ends in .json; - reads standard input' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l snapshot -d 'Check this snapshot (- reads standard input) instead of a live cluster' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -s n -l namespace -d 'The namespace of expectations that name none [default: the file\'s defaults, then the context\'s]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -s o -l output -d 'Output format, in any case: table (for people), wide (more columns), json or yaml' -r -f -a "table\t'A table or text for people (`text` is the same)'
wide\t'The table with more columns'
json\t'One JSON document'
yaml\t'The same document as YAML'"
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l junit -d 'Also write a JUnit XML report here, for CI systems; - writes it to standard output in place of the report' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l libc -d 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with' -r -f -a "glibc\t'GNU libc: Debian, Ubuntu, RHEL and distroless images'
musl\t'musl: Alpine images'"
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l family -d 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do' -r -f -a "inet\t'`AF_INET`: A queries'
inet6\t'`AF_INET6`: AAAA queries'
unspec\t'`AF_UNSPEC`: A and AAAA queries for each candidate, sent together'"
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l context -d 'The kubeconfig context to use [default: the current context]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l request-timeout -d 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l cluster-domain -d 'The cluster DNS domain' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l timeout -d 'Bound on each DNS layer\'s answer and on the control plane\'s reply' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l concurrency -d 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l qps -d 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l kube-dns -d 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l sidecar -d 'Ask the pod\'s mesh DNS proxy at this address (the mesh\'s port unless given, e.g. 15053 for Istio\'s sidecar) instead of through a port-forward' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l control-plane -d 'Read the mesh control plane\'s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh\'s port unless given, e.g. 15014 for istiod) instead of through port-forwards' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l from -d 'The pod: pod/NAME, deploy/NAME or a pod name' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -s n -l namespace -d 'The pod\'s namespace [default: the context\'s namespace, or "default" with --snapshot]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l snapshot -d 'Read the pod from this snapshot (- reads standard input) instead of a live cluster' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l node-resolv-conf -d 'The node\'s resolv.conf (the kubelet\'s --resolv-conf; - reads standard input), whose search domains follow the cluster\'s' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l limits -d 'The kubelet\'s search list limits: expanded (32 domains, 2048 characters) or legacy (6, 256)' -r -f -a "expanded\t'32 domains and 2048 characters (`ExpandedDNSConfig`, on by default since Kubernetes 1.26)'
legacy\t'6 domains and 256 characters, as before'"
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -s o -l output -d 'Output format, in any case: table (for people), wide (more columns), json or yaml' -r -f -a "table\t'A table or text for people (`text` is the same)'
wide\t'The table with more columns'
json\t'One JSON document'
yaml\t'The same document as YAML'"
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l context -d 'The kubeconfig context to use [default: the current context]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l request-timeout -d 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l cluster-domain -d 'The cluster DNS domain' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand resolvconf" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -s n -l namespace -d 'Audit the names of this namespace (also the namespace of --from) [default: the context\'s, or "default"]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l from -d 'The workload whose view is audited: pod/NAME, deploy/NAME or a pod name' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l snapshot -d 'Audit this snapshot (- reads standard input) instead of a live cluster; names it holds no answers for are counted apart' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l libc -d 'The resolver library whose search walk a relative name takes: glibc, or musl for Alpine images. The verdict is about what that library ends up with' -r -f -a "glibc\t'GNU libc: Debian, Ubuntu, RHEL and distroless images'
musl\t'musl: Alpine images'"
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l family -d 'The address family getaddrinfo is asked for in the walk [default: from --type: inet for A, inet6 for AAAA]; unspec sends A and AAAA for every candidate, as most applications do' -r -f -a "inet\t'`AF_INET`: A queries'
inet6\t'`AF_INET6`: AAAA queries'
unspec\t'`AF_UNSPEC`: A and AAAA queries for each candidate, sent together'"
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -s o -l output -d 'Output format, in any case: table (for people), wide (more columns), json or yaml' -r -f -a "table\t'A table or text for people (`text` is the same)'
wide\t'The table with more columns'
json\t'One JSON document'
yaml\t'The same document as YAML'"
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l context -d 'The kubeconfig context to use [default: the current context]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l request-timeout -d 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l cluster-domain -d 'The cluster DNS domain' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l timeout -d 'Bound on each DNS layer\'s answer and on the control plane\'s reply' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l concurrency -d 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l qps -d 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l kube-dns -d 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l sidecar -d 'Ask the pod\'s mesh DNS proxy at this address (the mesh\'s port unless given, e.g. 15053 for Istio\'s sidecar) instead of through a port-forward' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l control-plane -d 'Read the mesh control plane\'s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh\'s port unless given, e.g. 15014 for istiod) instead of through port-forwards' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -s A -l all-namespaces -d 'Audit the names of every namespace'
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -l as-typed -d 'Ask each name as an app in the workload\'s namespace types it (`svc`, `svc.ns`, a ServiceEntry host without the dot), walked by --libc, instead of fully qualified'
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s p -d 'The port to ask @IP and @localhost on, as dig\'s -p [default: 53]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s x -d 'Ask the reverse name of this address (PTR), as dig\'s -x' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s t -d 'The record type, as dig\'s -t (instead of a TYPE word)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l from -d 'The pod whose layer @sidecar and @control-plane ask: pod/NAME, deploy/NAME or a pod name' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s n -l namespace -d 'The namespace of --from [default: the context\'s namespace]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s o -l output -d 'Output format, in any case: table (for people), wide (more columns), json or yaml' -r -f -a "table\t'A table or text for people (`text` is the same)'
wide\t'The table with more columns'
json\t'One JSON document'
yaml\t'The same document as YAML'"
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l kubeconfig -d 'The kubeconfig file [default: KUBECONFIG (a list is merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l context -d 'The kubeconfig context to use [default: the current context]' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l request-timeout -d 'Bound on each Kubernetes API request (e.g. 10s, 500ms, 1m)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l cluster-domain -d 'The cluster DNS domain' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l timeout -d 'Bound on each DNS layer\'s answer and on the control plane\'s reply' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l concurrency -d 'How many questions are asked of the layers at once (at most this many in flight on each port-forward or socket)' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l qps -d 'At most N queries a second to any one DNS server (kube-dns, the sidecar, an @IP): queries to one server are spaced 1/N s apart, whatever --concurrency allows. The default is gentle on production DNS; raise it for a large audit of a lab cluster' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l kube-dns -d 'Ask kube-dns at this address (UDP, TCP on truncation) instead of through a port-forward to CoreDNS' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l sidecar -d 'Ask the pod\'s mesh DNS proxy at this address (the mesh\'s port unless given, e.g. 15053 for Istio\'s sidecar) instead of through a port-forward' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l control-plane -d 'Read the mesh control plane\'s debug endpoint at this URL (http://ADDR or http://ADDR:PORT, the mesh\'s port unless given, e.g. 15014 for istiod) instead of through port-forwards' -r -f
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s 4 -d 'IPv4 only, as dig\'s -4: @localhost is 127.0.0.1, and an IPv6 @IP is refused'
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s 6 -d 'IPv6 only, as dig\'s -6: @localhost is ::1, and an IPv4 @IP is refused'
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand dig" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c meshdig -n "__fish_meshdig_using_subcommand explain" -s o -l output -d 'Output format, in any case: table (for people), wide (more columns), json or yaml' -r -f -a "table\t'A table or text for people (`text` is the same)'
wide\t'The table with more columns'
json\t'One JSON document'
yaml\t'The same document as YAML'"
complete -c meshdig -n "__fish_meshdig_using_subcommand explain" -l color -d 'When to colour the output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c meshdig -n "__fish_meshdig_using_subcommand explain" -s v -l verbose -d 'Log what meshdig does to stderr: -v for steps, -vv for API and DNS traffic. Credentials are never logged'
complete -c meshdig -n "__fish_meshdig_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
