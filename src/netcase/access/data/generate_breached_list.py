"""Generate netcase's bundled common/breached-passwords list (run once; output committed)."""
from pathlib import Path


def _words(text: str) -> list[str]:
    return text.split()


top = _words("""123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123
football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321
pussy superman 1qaz2wsx 7777777 fuckyou 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer
zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou fuckme 2000 charlie
robert thomas hockey ranger daniel starwars klaster 112233 george asshole computer michelle jessica
pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass fuck maggie 159753 aaaaaa ginger princess
joshua cheese amanda summer love ashley 6969 nicole chelsea biteme matthew access yankees 987654321
dallas austin thunder taylor matrix william corvette hello martin heather secret fucker merlin diamond
1234qwer gfhjkm hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet
scooter orange 11111 golfer cookie richard samantha bigdog guitar jackson whatever mickey chicken
sparky snoopy maverick phoenix camaro sexy peanut morgan welcome falcon cowboy ferrari samsung andrea
smokey steelers joseph mercedes dakota arsenal eagles melissa boomer booboo spider nascar monster
tigers yellow xxxxxx 123123123 gateway marina diablo bulldog qwer1234 compaq purple hardcore banana
junior hannah 123654 porsche lakers iceman money cowboys 987654 london tennis 999999 ncc1701 coffee
scooby 0000 miller boston q1w2e3r4 fuckoff brandon yamaha chester mother forever johnny edward 333333
oliver redsox player nikita knight fender barney midnight please brandy chicago badboy iwantu slayer
rangers charles angel flower bigdaddy rabbit wizard bigdick jasper enter rachel chris 7777 steven
winner adidas victoria natasha 1q2w3e4r jasmine winter prince panties marine ghbdtn fishing cocacola
casper james 232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321 12344321 sexsex golden
blowme bigtits 8675309 panther lauren angela bitch spanky thx1138 angels madison winston shannon
mike toyota blowjob jordan23 canada sophie Password apples dick tiger razz 123abc pokemon qazxsw 55555
qwaszx muffin johnson murphy cooper jonathan liverpoo david danielle 159357 jackie 1990 123456a 789456
turtle horny abcd1234 scorpion qazwsxedc 101010 butter carlos password1 dennis slipknot qwerty123
booger asdf 1991 black startrek 12341234 cameron newyork rainbow nathan john 1992 rocket viking redskins
butthead asdfghjkl 1212 sierra peaches gemini doctor wilson sandra helpme qwertyui victor florida
dolphin pookie captain tucker blue liverpool theman bandit dolphins maddog packers jaguar lovers
nicholas united tiffany maxwell zzzzzz nirvana jeremy suckit stupid porn monica elephant giants jackass
hotdog rosebud success debbie mountain 444444 xxxxxxxx warrior 1q2w3e4r5t q1w2e3 123456q albert
metallic lucky azerty 7777777 shithead alex bond007 alexis 1111111 samson 5150 willie scorpio bonnie
gators benjamin voodoo driver dexter 2112 jason calvin freddy 212121 creative 12345a sydney rush2112
1989 asdfghjk red123 bubba 4815162342 passw0rd trouble gunner happy loveme gordon legend jessie stella
qwert eminem arthur apple nissan bullshit bear america 1qazxsw2 nothing parker 4444 rebecca qweqwe
garfield 01012011 beavis 69696969 jack asdasd december 2222 102030 252525 11223344 magic apollo skippy
315475 girls kitten golf copper braves shelby godzilla beaver fred tomcat august buddy airborne 1993
1988 lifehack qqqqqq brooklyn animal platinum phantom online xavier darkness blink182 power fish green
789456123 voyager police travis 12qwaszx heaven snowball lover abcdef 00000 pakistan 007007 walter
playboy blazer cricket sniper hooters donkey willow loveyou jimmy 123qweasd zaq12wsx stargate
welcome1 admin admin123 root toor changeme letmein1 password123 password12 passw0rd1 p@ssw0rd
p@ssword pa$$word iloveyou1 princess1 qwerty1 abc12345 football1 monkey1 sunshine1 master1 123456789a
1234567a qwertyu 1q2w3e 1qaz2wsx3edc zaq1xsw2 qwe123 asd123 zxc123 aa123456 a123456 a12345678
Aa123456 Qwerty123 Password1 Password123 P@ssw0rd P@ssword1 Welcome1 Welcome123 Summer2024 Winter2024
contraseña contrasena contraseña1 123456789q 12345678910 0987654321 1029384756 qwerty12345 trustno1
superman1 batman1 starwars1 dragon1 baseball1 shadow1 michael1 jennifer1 jordan1 hunter1 hunter2
mexico mexico123 guatemala honduras elsalvador sanpedro tegucigalpa teamo teamo123 amor amorcito
tequiero tequieromucho mimamá mama papa familia dios diosesamor jesus jesucristo cristo bendecido
america1 chivas chivas123 tigres pumas cruzazul barcelona realmadrid messi cristiano ronaldo neymar
""")
words = _words("""password admin welcome qwerty letmein monkey dragon master shadow sunshine princess football
baseball soccer hockey iloveyou love secret summer winter spring autumn flower freedom charlie michael
jordan superman batman hello trustno1 whatever computer internet login user guest test default
mexico texas laredo elpaso tucson phoenix houston sandiego border patrol agent police federal
justice liberty america usa eagle coyote""")
suffixes = ["", "1", "12", "123", "1234", "12345", "!", "1!", "123!", "01", "69", "007", "99", "2020", "2021",
            "2022", "2023", "2024", "2025", "2026", "@123", "#1"]
out = set()
for w in top:
    out.add(w)
for w in words:
    for s in suffixes:
        for form in (w, w.capitalize()):
            out.add(form + s)
    leet = w.replace("a", "@").replace("o", "0").replace("e", "3").replace("i", "1").replace("s", "$")
    out.add(leet)
    out.add(leet.capitalize())
# digit runs, repeated characters, keyboard walks
for n in range(4, 13):
    out.add("".join(str(i % 10) for i in range(1, n + 1)))
    out.add("".join(str(i % 10) for i in range(n, 0, -1)))
    out.add("".join(str((i + 1) % 10) for i in range(n))[::-1])
    for c in "0123456789abcdefghijklmnopqrstuvwxyz":
        out.add(c * n)
for walk in ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv", "qazwsxedcrfv", "1q2w3e4r5t6y7u8i"):
    for n in range(6, len(walk) + 1):
        out.add(walk[:n])
# dates people use: ddmmyyyy and mmddyyyy for 1960-2010 first of month, and years
for y in range(1950, 2031):
    out.add(str(y))
    for base in ("password", "welcome", "summer", "winter", "qwerty"):
        out.add(f"{base}{y}")
        out.add(f"{base.capitalize()}{y}")
        out.add(f"{base.capitalize()}{y}!")
for y in range(1960, 2011):
    for m in range(1, 13):
        out.add(f"01{m:02d}{y}")
        out.add(f"{m:02d}01{y}")
header = """# Common and breached passwords refused by netcase (CJIS 5.6.2.1.1: passwords shall not be
# in a list of commonly used, expected or compromised passwords).
# ORIGIN: generated for netcase by hand from well-known "most common password" lists published
# in news and security articles (123456, password, qwerty, ...), plus patterns: dictionary words
# with common suffixes and years, leetspeak, digit runs, repeated characters, keyboard walks and
# dates (see generate_breached_list.py beside this file). It is NOT a copy of any breach corpus
# (e.g. Have I Been Pwned): deployments should add a larger list (AuthConfig.extra_breached_file;
# CLI: NETCASE_BREACHED_PASSWORDS=path). Compared case-insensitively. One password a line.
"""
lines = sorted(w.lower() for w in out)
lines = sorted(set(lines))
Path(__file__).with_name("breached_passwords.txt").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
print(len(lines))
