//! The languages kits check spelling in, and the packages that bring their dictionaries.
//!
//! [`DICTIONARIES`] is the one list: the default of `kit.languages` is its languages, and a test
//! (`the_packages_name_every_dictionary`) checks that debian/control, rpm/oxool.spec and
//! scripts/install-deps.sh depend on exactly its packages, so the four never drift apart.

/// One language's hunspell dictionary and the package that installs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dictionary {
    /// BCP 47 tag, as `kit.languages` names it.
    pub language: &'static str,
    /// Debian/Ubuntu package (files in /usr/share/hunspell).
    pub debian: &'static str,
    /// Fedora/RHEL package (files in /usr/share/hunspell, older releases /usr/share/myspell).
    pub rpm: &'static str,
}

/// The dictionaries oxool depends on, in the order of the default `kit.languages`.
pub const DICTIONARIES: &[Dictionary] = &[
    dictionary("en-US", "hunspell-en-us", "hunspell-en-US"),
    dictionary("en-GB", "hunspell-en-gb", "hunspell-en-GB"),
    dictionary("de-DE", "hunspell-de-de", "hunspell-de"),
    dictionary("fr-FR", "hunspell-fr", "hunspell-fr"),
    dictionary("es-ES", "hunspell-es", "hunspell-es-ES"),
    dictionary("it-IT", "hunspell-it", "hunspell-it"),
    dictionary("pt-PT", "hunspell-pt-pt", "hunspell-pt"),
    dictionary("pt-BR", "hunspell-pt-br", "hunspell-pt-BR"),
    dictionary("nl-NL", "hunspell-nl", "hunspell-nl"),
    dictionary("pl-PL", "hunspell-pl", "hunspell-pl"),
    dictionary("ru-RU", "hunspell-ru", "hunspell-ru"),
];

const fn dictionary(language: &'static str, debian: &'static str, rpm: &'static str) -> Dictionary {
    Dictionary {
        language,
        debian,
        rpm,
    }
}

/// The default of `kit.languages`: every language oxool's packages bring a dictionary for.
pub fn default_languages() -> Vec<String> {
    DICTIONARIES
        .iter()
        .map(|d| d.language.to_string())
        .collect()
}

/// Whether `tag` is a language tag of the form LibreOffice's allow-list takes: a 2–3 letter
/// language, optionally `-` and a 2-letter region (`de`, `de-DE`, `ast`).
pub fn is_language_tag(tag: &str) -> bool {
    let (language, region) = match tag.split_once('-') {
        Some((language, region)) => (language, Some(region)),
        None => (tag, None),
    };
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()))
}

/// The value of `LOK_ALLOWLIST_LANGUAGES` for `languages`: LibreOffice's spelling (`en_US`),
/// space-separated. LibreOffice enables a language whose tag starts with one of these.
pub fn lok_allowlist(languages: &[String]) -> String {
    languages
        .iter()
        .map(|tag| tag.replace('-', "_"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_checked() {
        for good in ["de", "de-DE", "ast", "pt-BR"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "", "d", "DE", "de_DE", "de-de", "de-DEU", "deutsch", "de DE", "de-",
        ] {
            assert!(!is_language_tag(bad), "{bad:?}");
        }
        assert!(DICTIONARIES.iter().all(|d| is_language_tag(d.language)));
    }

    #[test]
    fn the_allowlist_is_what_libreoffice_reads() {
        let languages = vec!["en-US".to_string(), "de".to_string()];
        assert_eq!(lok_allowlist(&languages), "en_US de");
        assert_eq!(lok_allowlist(&[]), "");
    }

    fn repo_file(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    /// The words of a shell array `name=( … )` (comments left out).
    fn shell_array(script: &str, name: &str) -> Vec<String> {
        let start = script
            .find(&format!("\n{name}=("))
            .unwrap_or_else(|| panic!("no array {name}"));
        let body = &script[start + name.len() + 3..];
        let body = &body[..body.find(')').expect("the array ends")];
        body.lines()
            .map(|line| line.split('#').next().unwrap_or(""))
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect()
    }

    /// The package names of debian/control's binary `Depends:` (alternatives split, versions off).
    pub(crate) fn debian_depends(control: &str) -> Vec<String> {
        let binary = control
            .split("\nPackage: ")
            .nth(1)
            .expect("a binary package");
        let field = binary.split("\nDepends:").nth(1).expect("Depends");
        let mut value = String::new();
        for (i, line) in field.lines().enumerate() {
            if i > 0 && !line.starts_with(char::is_whitespace) {
                break;
            }
            value.push_str(line);
        }
        value
            .split([',', '|'])
            .map(|p| p.split('(').next().unwrap_or("").trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// The package names of the spec's plain `Requires:` lines (rich `(a or b)` ones split).
    pub(crate) fn rpm_requires(spec: &str) -> Vec<String> {
        spec.lines()
            .filter_map(|line| line.strip_prefix("Requires:"))
            .flat_map(|value| {
                value
                    .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .filter(|w| !w.is_empty() && *w != "or" && *w != "and")
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// One source of truth: the default languages, the .deb and .rpm dependencies and what
    /// `make run` installs name the same dictionaries, and no other hunspell package.
    #[test]
    fn the_packages_name_every_dictionary() {
        let control = debian_depends(&repo_file("debian/control"));
        let spec = rpm_requires(&repo_file("rpm/oxool.spec"));
        let script = repo_file("scripts/install-deps.sh");
        let apt = shell_array(&script, "apt_run");
        let dnf = shell_array(&script, "dnf_run");
        let hunspell = |names: &[String]| -> Vec<String> {
            let mut found: Vec<String> = names
                .iter()
                .filter(|n| n.starts_with("hunspell-"))
                .cloned()
                .collect();
            found.sort();
            found
        };
        let mut debian: Vec<String> = DICTIONARIES.iter().map(|d| d.debian.into()).collect();
        let mut rpm: Vec<String> = DICTIONARIES.iter().map(|d| d.rpm.into()).collect();
        debian.sort();
        rpm.sort();
        assert_eq!(hunspell(&control), debian, "debian/control Depends");
        assert_eq!(hunspell(&apt), debian, "install-deps.sh apt_run");
        assert_eq!(hunspell(&spec), rpm, "rpm/oxool.spec Requires");
        assert_eq!(hunspell(&dnf), rpm, "install-deps.sh dnf_run");
        let defaults = crate::KitSettings::default().languages;
        assert_eq!(
            defaults,
            DICTIONARIES.iter().map(|d| d.language).collect::<Vec<_>>()
        );
    }

    /// The fonts for every script (docs/languages.md) are dependencies of both packages and
    /// what `make run` installs: the same Debian fonts in debian/control and apt_run, and every
    /// Fedora font of dnf_run among the spec's Requires.
    #[test]
    fn the_packages_name_the_same_fonts() {
        let control = debian_depends(&repo_file("debian/control"));
        let spec = rpm_requires(&repo_file("rpm/oxool.spec"));
        let script = repo_file("scripts/install-deps.sh");
        let fonts = |names: Vec<String>| -> Vec<String> {
            let mut found: Vec<String> = names
                .into_iter()
                .filter(|n| n.starts_with("fonts-") || n.ends_with("-fonts"))
                .collect();
            found.sort();
            found
        };
        let debian = fonts(control);
        assert_eq!(debian, fonts(shell_array(&script, "apt_run")));
        for wanted in [
            "fonts-noto-cjk",
            "fonts-noto-color-emoji",
            "fonts-lohit-deva",
        ] {
            assert!(
                debian.iter().any(|f| f == wanted),
                "debian/control lacks {wanted}"
            );
        }
        for font in fonts(shell_array(&script, "dnf_run")) {
            assert!(
                spec.contains(&font),
                "rpm/oxool.spec does not require {font}"
            );
        }
    }
}
