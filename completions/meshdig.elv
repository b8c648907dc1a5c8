
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
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand diff 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference'
            cand generate 'Write shell completions and man pages (for packagers and the project''s own checks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshdig;diff'= {
            cand -t 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …)'
            cand --type 'The record type to ask for (A, AAAA, CNAME, SRV, PTR, TXT, …)'
            cand --from 'The pod the question is asked from: pod/NAME, deploy/NAME or a pod name'
            cand -n 'The namespace of --from, and of relative names'
            cand --namespace 'The namespace of --from, and of relative names'
            cand --snapshot 'Read the cluster, the mesh and the recorded answers from this snapshot file (format: docs/snapshot.md)'
            cand -o 'Output format: a table, a wide table with origins and notes, or JSON (docs/json.md)'
            cand --output 'Output format: a table, a wide table with origins and notes, or JSON (docs/json.md)'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;generate'= {
            cand --out-dir 'The directory that receives `completions/` and `man/`'
            cand --color 'When to colour the output: auto colours a terminal unless NO_COLOR is set'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'meshdig;help'= {
            cand diff 'Ask kube-dns, the sidecar and the control plane one question, diff the answers against the objects and explain every difference'
            cand generate 'Write shell completions and man pages (for packagers and the project''s own checks)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'meshdig;help;diff'= {
        }
        &'meshdig;help;generate'= {
        }
        &'meshdig;help;help'= {
        }
    ]
    $completions[$command]
}
